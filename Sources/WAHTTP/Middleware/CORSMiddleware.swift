import HTTPTypes
import Hummingbird

/// Applies a ``CORSPolicy``: answers preflights (`OPTIONS` with `Access-Control-Request-Method`) for the
/// router's paths, and marks responses to allowed origins readable.
///
/// A preflight from an allowed origin for a path the router serves gets `204` with the path's methods, the
/// policy's headers and `Access-Control-Max-Age`. A preflight from any other origin gets `204` without
/// `Access-Control-Allow-Origin`, so the browser refuses the call it was about to make (an answer that names no
/// allowed origin tells nothing). Every response varies by `Origin`, so caches keep the answers apart. Without a
/// policy the middleware is not installed and preflights meet the router's `405`.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CORSPolicy
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        let origin = request.headers[.origin]
        let allowed = origin.map(policy.allows(origin:)) ?? false
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            let methods = routes.methods(forPath: request.uri.path)
            if !methods.isEmpty {
                var headers: HTTPFields = [.vary: "Origin"]
                if allowed, let origin {
                    headers[.accessControlAllowOrigin] = origin
                    headers[.accessControlAllowMethods] = methods.map(\.rawValue).joined(separator: ", ")
                    headers[.accessControlAllowHeaders] = policy.allowedHeaders.map(\.rawName)
                        .joined(separator: ", ")
                    headers[.accessControlMaxAge] = String(policy.maxAge.components.seconds)
                }
                return Response(status: .noContent, headers: headers)
            }
        }
        var response = try await next(request, context)
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        if allowed, let origin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = policy.exposedHeaders.map(\.rawName)
                .joined(separator: ", ")
        }
        return response
    }
}
