import Hummingbird
import HummingbirdTesting
import Testing
import WAHTTP

@Suite struct HealthRoutesTests {
    private func app(ready: Bool) -> some ApplicationProtocol {
        let router = Router()
        HealthRoutes(checks: [.init(name: "database", isReady: { ready })]).register(on: router)
        return Application(router: router)
    }

    @Test func healthAnswersOverLoopback() async throws {
        try await app(ready: true).test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
                #expect(response.headers[.contentType] == "application/json")
            }
        }
    }

    @Test(arguments: [true, false])
    func readinessReflectsChecks(ready: Bool) async throws {
        try await app(ready: ready).test(.live) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == (ready ? .ok : .serviceUnavailable))
                let body = String(buffer: response.body)
                #expect(body.contains("database") == !ready)
            }
        }
    }
}
