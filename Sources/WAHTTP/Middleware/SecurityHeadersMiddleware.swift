public import Hummingbird
import HTTPTypes

/// Adds ``SecurityHeaders`` and `X-Request-Id` to every response, errors included (add it before the middleware
/// that turns errors into responses); a header the handler set already is left as it is.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    private let headers: SecurityHeaders

    /// A middleware adding `headers` (helmet's defaults unless told otherwise).
    public init(_ headers: SecurityHeaders = .helmet) {
        self.headers = headers
    }

    public func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        for field in headers.fields where response.headers[field.name] == nil {
            response.headers[field.name] = field.value
        }
        response.headers[.requestID] = context.id
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the request's id, as the logs and problem details carry it.
    public static let requestID = HTTPField.Name("X-Request-Id")!
}
