import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import Synchronization
import WACore

/// Turns every error a request throws into `application/problem+json` (``ProblemDetails``) with the request id,
/// and logs the server's faults with what is known; the client never sees adapter text or a stack trace.
///
/// Add it to the router before any route, so that it also wraps the router's answer to a path no route matches.
/// That answer becomes 405 `method_not_allowed` with `Allow` when the path exists with other methods: the
/// ``RouteTable`` the middleware is given learns the routes once they are registered.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var failure = RequestFailure(error)
            var allowed: [HTTPRequest.Method] = []
            if failure.error.code == .routeNotFound {
                allowed = routes.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    failure.error = WAError(.methodNotAllowed, "this path does not support \(request.method.rawValue)")
                }
            }
            if failure.isServerFault {
                context.logger.error(
                    "request failed", metadata: ["error": "\(Self.loggable(error))", "path": "\(request.uri.path)"])
            }
            var response = ProblemDetails.response(for: failure.error, requestID: context.id, allowedMethods: allowed)
            for field in failure.headers where response.headers[field.name] == nil {
                response.headers.append(field)
            }
            return response
        }
    }
}

extension ProblemMiddleware {
    /// What the log may say about a failure. Not the OpenAPI runtime's own description of a `ServerError`: it prints
    /// the request's header fields (the API key) and the decoded input (message bodies). Its operation, cause and
    /// underlying error are enough.
    static func loggable(_ error: any Error) -> String {
        guard let error = error as? ServerError else { return String(reflecting: error) }
        return "operation \(error.operationID): \(error.causeDescription); underlying: "
            + loggable(error.underlyingError)
    }
}

/// The router's routes as path patterns, to tell "no such path" (404) from "not with this method" (405). Filled
/// once, after the routes are registered (middleware must be added before them).
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    init() {}

    /// Records the router's routes.
    func record(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        self.routes.withLock { $0 = routes.map { (Self.segments($0.path), $0.method) } }
    }

    /// The methods the route at `path` accepts (empty when no route matches it at all). Like the router, a literal
    /// segment wins over a parameter: `/v1/media/usage` is its own route, not `/v1/media/{media_id}`.
    func methods(forPath path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(path)
        return routes.withLock { routes in
            let matching = routes.filter { Self.matches($0.segments, requested) }
            guard let best = matching.map({ Self.literals($0.segments) }).max(by: { $0.lexicographicallyPrecedes($1) })
            else { return [] }
            var methods: [HTTPRequest.Method] = []
            for route in matching where Self.literals(route.segments) == best && !methods.contains(route.method) {
                methods.append(route.method)
            }
            return methods
        }
    }

    /// 1 for each literal segment, 0 for each parameter: the greater, the more specific the route, segment by
    /// segment from the start.
    private static func literals(_ pattern: [Substring]) -> [Int] {
        pattern.map { isParameter($0) ? 0 : 1 }
    }

    private static func isParameter(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || segment.hasPrefix("{")
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        guard pattern.count == path.count else { return false }
        return zip(pattern, path).allSatisfy { p, s in isParameter(p) || p == s }
    }
}
