import HTTPTypes
import Hummingbird

/// What the OpenAPI layer needs to know about the request beyond its head, which only Hummingbird's context has:
/// the client's address and the request id. ``RequestInfoMiddleware`` binds it around the router.
struct RequestInfo: Sendable {
    /// The client's IP address: the connection's peer, or behind trusted proxies the address they forwarded
    /// (``TrustedProxies``); `nil` when there is none (a Unix socket).
    var clientAddress: String?
    /// The request's id (`X-Request-Id`).
    var requestID: String
    /// Who the request turned out to be from, once authentication has run (for the access log).
    let caller = RequestCaller()

    @TaskLocal static var current: RequestInfo?
}

/// Binds ``RequestInfo`` for the rest of the request, with the client's address as ``TrustedProxies`` tells it.
struct RequestInfoMiddleware: RouterMiddleware {
    let trustedProxies: TrustedProxies

    func handle(
        _ request: Request, context: GatewayRequestContext,
        next: @concurrent (Request, GatewayRequestContext) async throws -> Response
    ) async throws -> Response {
        let client = trustedProxies.clientAddress(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: Self.forwardedFor])
        let info = RequestInfo(clientAddress: client, requestID: context.id)
        return try await RequestInfo.$current.withValue(info) {
            try await next(request, context)
        }
    }

    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}
