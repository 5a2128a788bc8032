public import Prometheus

/// How `GET /metrics` exposes the process's metrics: the Prometheus registry that swift-metrics records into, and
/// optionally a static token scrapers must send.
///
/// The application bootstraps swift-metrics once per process with a factory over the same registry; the server
/// records every request (Hummingbird's `MetricsMiddleware`: a counter and a duration histogram per route, method
/// and status, and active requests per method) through it:
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
/// configuration.metrics = MetricsExposition(registry: registry, token: ProcessInfo.processInfo.environment["WA_METRICS_TOKEN"])
/// ```
public struct MetricsExposition: Sendable {
    /// The registry rendered at `GET /metrics`.
    public var registry: PrometheusCollectorRegistry
    /// The bearer token a scraper must present (`Authorization: Bearer <token>`, compared in constant time), or
    /// `nil` for an open route (put it where only scrapers reach it).
    public var token: String?

    /// An exposition of `registry`, guarded by `token` when given.
    public init(registry: PrometheusCollectorRegistry, token: String? = nil) {
        self.registry = registry
        self.token = token
    }
}
