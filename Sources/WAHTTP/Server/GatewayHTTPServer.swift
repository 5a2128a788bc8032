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
        /// How long a session token from `POST /v1/auth/login` stays valid (``SessionTokens/defaultLifetime``, one
        /// hour, by default); sign-out, a password change, a role change and deactivation end it sooner.
        public var sessionLifetime: Duration = SessionTokens.defaultLifetime
        /// The reverse proxies whose `X-Forwarded-For` names the client for per-address limits and the access log
        /// (``TrustedProxies``); none by default.
        public var trustedProxies = TrustedProxies.none
        /// Which browser origins may call the API (``CORSPolicy``); `nil`, the default, allows none.
        public var cors: CORSPolicy?
        /// What `GET /metrics` renders (``MetricsExposition``); `nil`, the default, answers it with 404. Requests
        /// are recorded through swift-metrics either way: into whatever backend the application bootstrapped.
        public var metrics: MetricsExposition?
        /// How `GET /v1/events` streams: the heartbeat (15 s by default) and how far a client may fall behind.
        public var eventStream = EventStreamSettings()

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
    /// The session tokens `POST /v1/auth/login` issues and every request may present, signed with keys derived
    /// from the environment's secret keyring. An application can issue tokens itself (after its own sign-in, say).
    public let sessions: SessionTokens

    /// A front for `gateway`; `logger` receives authentication failures and the server's faults (with the request
    /// id, never a credential).
    public init(gateway: Gateway, configuration: Configuration = Configuration(), logger: Logger) {
        self.gateway = gateway
        self.configuration = configuration
        self.logger = logger
        self.sessions = SessionTokens(
            keyring: gateway.environment.secretBox.keyring, lifetime: configuration.sessionLifetime,
            clock: gateway.environment.clock)
    }

    /// The router: the security headers and problem details around every operation of the document (and
    /// nothing else), and around the answer to a path no operation has.
    public func makeRouter() throws -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: SecurityHeadersMiddleware(configuration.securityHeaders))
        router.add(middleware: RequestInfoMiddleware(trustedProxies: configuration.trustedProxies))
        if let cors = configuration.cors { router.add(middleware: CORSMiddleware(policy: cors, routes: routes)) }
        // Outside the problem middleware, so both see the status the client gets.
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(routes: routes))
        let limiter = configuration.requestLimits.map {
            RequestLimiter(limits: $0, store: gateway.environment.rateLimits, clock: gateway.environment.clock)
        }
        let api = RESTAPI(
            gateway: gateway, sessions: sessions, limiter: limiter, metrics: configuration.metrics,
            readinessChecks: configuration.readinessChecks, eventStream: configuration.eventStream, logger: logger)
        var middlewares: [any ServerMiddleware] = [
            AuthenticationMiddleware(
                apiKeys: gateway.apiKeys, team: gateway.team, sessions: sessions,
                metricsToken: configuration.metrics?.token, limiter: limiter, logger: logger)
        ]
        if let limiter { middlewares.append(RequestLimitMiddleware(limiter: limiter)) }
        middlewares.append(BodyLimitMiddleware(limits: configuration.bodyLimits))
        middlewares.append(JSONNullMiddleware())
        middlewares.append(MediaHeadersMiddleware())
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
