public import Hummingbird
import Foundation
public import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
public import WACore
import WAOpenAPI

/// The gateway's HTTP front: the REST API of `Sources/WAOpenAPI/openapi.yaml` over a ``Gateway``'s services,
/// with authentication, problem-details errors and security headers, as a Hummingbird responder.
///
/// ```swift
/// let server = GatewayHTTPServer(gateway: gateway, logger: logger)
/// let app = Application(router: server, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await ServiceGroup(services: [gateway, app], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// Every response carries ``SecurityHeaders`` and `X-Request-Id`; every error is `application/problem+json`
/// (``ProblemDetails``). Operations other than `/health`, `/ready` and `/openapi.yaml` need an API key
/// (`Authorization: Bearer` or `X-Api-Key`).
public struct GatewayHTTPServer: HTTPResponderBuilder, Sendable {
    /// How the HTTP front behaves.
    public struct Configuration: Sendable {
        /// The security headers of every response (helmet's defaults).
        public var securityHeaders: SecurityHeaders
        /// What `GET /ready` checks besides the process being up.
        public var readinessChecks: [HealthCheck]
        /// How large a request body each operation accepts.
        public var bodyLimits: BodyLimits

        public init(
            securityHeaders: SecurityHeaders = .helmet, readinessChecks: [HealthCheck] = [],
            bodyLimits: BodyLimits = BodyLimits()
        ) {
            self.securityHeaders = securityHeaders
            self.readinessChecks = readinessChecks
            self.bodyLimits = bodyLimits
        }
    }

    /// The gateway whose services the API serves.
    public let gateway: Gateway
    public let configuration: Configuration
    private let logger: Logger

    public init(gateway: Gateway, configuration: Configuration = Configuration(), logger: Logger) {
        self.gateway = gateway
        self.configuration = configuration
        self.logger = logger
    }

    /// The router: the security headers and problem details around every operation of the document (and
    /// nothing else), and around the answer to a path no operation has.
    public func makeRouter() throws -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: SecurityHeadersMiddleware(configuration.securityHeaders))
        router.add(middleware: ProblemMiddleware(routes: routes))
        let api = RESTAPI(gateway: gateway, readinessChecks: configuration.readinessChecks, logger: logger)
        try api.registerHandlers(
            on: router, serverURL: URL(string: "/")!,
            configuration: OpenAPIRuntime.Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
            middlewares: [
                AuthenticationMiddleware(apiKeys: gateway.apiKeys, logger: logger),
                BodyLimitMiddleware(limits: configuration.bodyLimits),
            ])
        routes.record(router.routes.map { (path: $0.path.description, method: $0.method) })
        return router
    }

    public func buildResponder() -> RouterResponder<GatewayRequestContext> {
        do {
            return try makeRouter().buildResponder()
        } catch {
            // Registration fails only for a server URL that does not parse; "/" always does.
            preconditionFailure("registering the REST API failed: \(error)")
        }
    }
}
