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
        /// Request rates: per API key for requests with one, per client address for the others and for failed
        /// authentications; `nil` turns them off. Kept in the environment's rate-limit store (shared by nodes).
        public var requestLimits: HTTPRequestLimits?

        /// The default request limits: 600 requests a minute per API key (WACore's default) and 120 a minute per
        /// client address for requests without a valid key.
        public static let defaultRequestLimits: HTTPRequestLimits = {
            do {
                return HTTPRequestLimits(
                    perIP: try RateLimit(count: 120, per: .seconds(60)), perAPIKey: HTTPRequestLimits.defaultPerAPIKey)
            } catch {
                preconditionFailure("the default request limits are valid: \(error)")
            }
        }()

        /// A configuration; every parameter has the default described on its property.
        public init(
            securityHeaders: SecurityHeaders = .helmet, readinessChecks: [HealthCheck] = [],
            bodyLimits: BodyLimits = BodyLimits(), requestLimits: HTTPRequestLimits? = Configuration.defaultRequestLimits
        ) {
            self.securityHeaders = securityHeaders
            self.readinessChecks = readinessChecks
            self.bodyLimits = bodyLimits
            self.requestLimits = requestLimits
        }
    }

    /// The gateway whose services the API serves.
    public let gateway: Gateway
    /// How the front behaves.
    public let configuration: Configuration
    private let logger: Logger

    /// A front for `gateway`; `logger` receives authentication failures and the server's faults (with the request
    /// id, never a credential).
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
        router.add(middleware: RequestInfoMiddleware())
        let api = RESTAPI(gateway: gateway, readinessChecks: configuration.readinessChecks, logger: logger)
        let limiter = configuration.requestLimits.map {
            RequestLimiter(limits: $0, store: gateway.environment.rateLimits, clock: gateway.environment.clock)
        }
        var middlewares: [any ServerMiddleware] = [
            AuthenticationMiddleware(apiKeys: gateway.apiKeys, limiter: limiter, logger: logger)
        ]
        if let limiter { middlewares.append(RequestLimitMiddleware(limiter: limiter)) }
        middlewares.append(BodyLimitMiddleware(limits: configuration.bodyLimits))
        try api.registerHandlers(
            on: router, serverURL: URL(string: "/")!,
            configuration: OpenAPIRuntime.Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
            middlewares: middlewares)
        routes.record(router.routes.map { (path: $0.path.description, method: $0.method) })
        return router
    }

    /// The router's responder (what `Application(router:)` calls).
    public func buildResponder() -> RouterResponder<GatewayRequestContext> {
        do {
            return try makeRouter().buildResponder()
        } catch {
            // Registration fails only for a server URL that does not parse; "/" always does.
            preconditionFailure("registering the REST API failed: \(error)")
        }
    }
}
