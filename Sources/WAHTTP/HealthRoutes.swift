public import Hummingbird

/// Liveness and readiness endpoints for load balancers and orchestrators.
///
/// - `GET /health` answers `200 {"status":"ok"}` while the process serves requests.
/// - `GET /ready` answers `200` when every readiness check passes and `503` otherwise, naming the failing checks.
public struct HealthRoutes: Sendable {
    /// A named readiness check (database reachable, workers running …).
    public struct Check: Sendable {
        public var name: String
        public var isReady: @Sendable () async -> Bool
        public init(name: String, isReady: @escaping @Sendable () async -> Bool) {
            self.name = name
            self.isReady = isReady
        }
    }

    public var checks: [Check]

    public init(checks: [Check] = []) {
        self.checks = checks
    }

    /// Adds the two routes to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("health") { _, _ -> Response in
            Self.json(.ok, #"{"status":"ok"}"#)
        }
        let checks = self.checks
        router.get("ready") { _, _ -> Response in
            var failing: [String] = []
            for check in checks where await !check.isReady() {
                failing.append(check.name)
            }
            if failing.isEmpty { return Self.json(.ok, #"{"status":"ready"}"#) }
            let names = failing.map { "\"\($0)\"" }.joined(separator: ",")
            return Self.json(.serviceUnavailable, #"{"status":"not_ready","failing":[\#(names)]}"#)
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
