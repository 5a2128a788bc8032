import HTTPTypes
import Hummingbird

/// What the OpenAPI layer needs to know about the request beyond its head, which only Hummingbird's context has:
/// the client's address and the request id. ``RequestInfoMiddleware`` binds it around the router.
struct RequestInfo: Sendable {
    /// The connection peer's IP address (a proxy's, behind one), or `nil` when it has none (a Unix socket).
    var clientAddress: String?
    /// The request's id (`X-Request-Id`).
    var requestID: String
    /// Who the request turned out to be from, once authentication has run (for the access log).
    let caller = RequestCaller()

    @TaskLocal static var current: RequestInfo?
}

/// Binds ``RequestInfo`` for the rest of the request.
struct RequestInfoMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: GatewayRequestContext,
        next: @concurrent (Request, GatewayRequestContext) async throws -> Response
    ) async throws -> Response {
        let info = RequestInfo(clientAddress: context.remoteAddress?.ipAddress, requestID: context.id)
        return try await RequestInfo.$current.withValue(info) {
            try await next(request, context)
        }
    }
}
