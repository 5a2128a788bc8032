import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import Testing
import WACore
import WACoreTesting
import WAHTTP

/// Access logs and metrics: what operators see of each request, and nothing they must not see.
@Suite struct ObservabilityTests {
    /// The process's metrics backend: swift-metrics is bootstrapped once per process, so every test of the process
    /// records into this registry (tests look for their own routes' series).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    @Test func everyRequestIsLoggedOnceWithItsRouteStatusAndCallerButNoSecrets() async throws {
        let (harness, _) = try await APIHarness.make()
        let records = LogRecords()
        let logger = Logger(label: "access") { _ in RecordingLogHandler(records: records) }
        let server = GatewayHTTPServer(gateway: harness.gateway, logger: logger)
        let key = harness.acme.adminKey
        let missing = UUID().uuidString.lowercased()
        try await Application(router: server).test(.live) { client in
            _ = try await client.call(.get, "/v1/instances/\(missing)", key: key)
            _ = try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"logged"}"#)
            _ = try await client.call(.get, "/v1/me", key: "wa_live_not_a_real_key")
        }
        let lines = records.entries.filter { $0.message == "request" }
        #expect(lines.count == 3)
        let notFound = try #require(lines.first)
        #expect(notFound.metadata["status"] == "404")
        #expect(notFound.metadata["method"] == "GET")
        let route = notFound.metadata["route"]?.description ?? ""
        #expect(route.contains("instances") && !route.contains(missing))
        #expect(notFound.metadata["organization_id"]?.description == harness.acme.organization.id.description)
        #expect(notFound.metadata["credential"]?.description.hasPrefix("api_key:") == true)
        #expect(notFound.metadata["request_id"] != nil && notFound.metadata["duration_ms"] != nil)
        #expect(lines[1].metadata["status"] == "201")
        #expect(lines[2].metadata["status"] == "401")
        #expect(lines[2].metadata["organization_id"] == nil)
        let everything = records.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains(key) && !everything.contains(String(key.suffix(20))))
        #expect(!everything.contains("logged"), "no request body in the log")
    }

    @Test func metricsAreRenderedForPrometheusBehindTheScrapersToken() async throws {
        let registry = Self.registry
        let (harness, _) = try await APIHarness.make()
        var configuration = GatewayHTTPServer.Configuration()
        configuration.metrics = MetricsExposition(registry: registry, token: "scraper-secret-token")
        let server = GatewayHTTPServer(gateway: harness.gateway, configuration: configuration, logger: Logger(label: "test"))
        try await Application(router: server).test(.live) { client in
            for _ in 0..<3 { _ = try await client.call(.get, "/v1/me", key: harness.acme.adminKey) }
            let open = try await client.call(.get, "/metrics")
            #expect(open.status == .unauthorized)
            let wrong = try await client.call(.get, "/metrics", key: "scraper-secret-tokeN")
            #expect(wrong.status == .unauthorized)
            let scraped = try await client.call(.get, "/metrics", key: "scraper-secret-token")
            #expect(scraped.status == .ok)
            #expect(scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: scraped.body)
            let meLines = text.split(separator: "\n").filter { $0.hasPrefix("hb_requests") && $0.contains("/v1/me") }
            #expect(meLines.contains { $0.contains("200") })
            #expect(text.contains("http_server_request_duration"))
            #expect(!text.contains(harness.acme.organization.id.description))
        }
        // Without an exposition the route exists but answers 404.
        let (_, plain) = try await APIHarness.make()
        try await Application(router: plain).test(.live) { client in
            let response = try await client.call(.get, "/metrics")
            #expect(response.status == .notFound)
            #expect(response.problemCode == "not_found")
        }
    }
}
