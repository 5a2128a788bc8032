import Logging
import WACore
import WAOpenAPI

/// The REST API's operations: the generated `APIProtocol` (from `Sources/WAOpenAPI/openapi.yaml`) implemented over
/// the gateway's services, one area per file (`RESTAPI+Instances.swift` …).
///
/// A handler reads the caller with ``RequestPrincipal/require()``, converts the input into WACore's types, calls one
/// service and converts the result back. It checks no permission itself: every service does, through WACore's
/// `AccessPolicy`, with the principal it is given. Errors are thrown as they come (`WAError`); ``ProblemMiddleware``
/// turns them into problem details.
struct RESTAPI: APIProtocol {
    let gateway: Gateway
    let sessions: SessionTokens
    /// Counts refused credentials against the client's address (sign-in, reset and invitation tokens); `nil` when
    /// requests are not limited.
    let limiter: RequestLimiter?
    /// What `GET /metrics` renders; `nil` when metrics are off.
    let metrics: MetricsExposition?
    let readinessChecks: [HealthCheck]
    /// How `GET /v1/events` streams.
    let eventStream: EventStreamSettings
    let logger: Logger
}
