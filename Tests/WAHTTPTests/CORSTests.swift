import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WACore
import WAHTTP

@Suite struct CORSTests {
    static let dashboard = "https://dashboard.example.com"

    static func preflight(_ origin: String, method: String = "POST") -> HTTPFields {
        [.origin: origin, .accessControlRequestMethod: method, .accessControlRequestHeaders: "authorization, content-type"]
    }

    @Test func anAllowedOriginsPreflightIsAnsweredWithThePathsMethods() async throws {
        let (harness, _) = try await APIHarness.make()
        var configuration = GatewayHTTPServer.Configuration()
        configuration.cors = CORSPolicy(allowedOrigins: ["https://Dashboard.example.com"])
        let server = GatewayHTTPServer(gateway: harness.gateway, configuration: configuration, logger: Logger(label: "test"))
        try await Application(router: server).test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/instances", method: .options, headers: Self.preflight(Self.dashboard))
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == Self.dashboard)
            let methods = Set((response.headers[.accessControlAllowMethods] ?? "").split(separator: ", ").map(String.init))
            #expect(methods == ["GET", "POST"])
            #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(response.headers[.accessControlMaxAge] == "600")
            #expect(response.headers[.vary] == "Origin")
            // The helmet set is on preflight answers too.
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")

            // The real call then carries the origin and what the page may read.
            var headers: HTTPFields = [.origin: Self.dashboard, .authorization: "Bearer \(harness.acme.adminKey)"]
            let call = try await client.execute(uri: "/v1/instances", method: .get, headers: headers)
            #expect(call.status == .ok)
            #expect(call.headers[.accessControlAllowOrigin] == Self.dashboard)
            #expect(call.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
            #expect(call.headers[.accessControlAllowCredentials] == nil)
            // Errors too, so a page can read the problem.
            headers[.authorization] = "Bearer wa_nonsense"
            let refused = try await client.execute(uri: "/v1/instances", method: .get, headers: headers)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.accessControlAllowOrigin] == Self.dashboard)
        }
    }

    @Test func anotherOriginGetsNoPermission() async throws {
        let (harness, _) = try await APIHarness.make()
        var configuration = GatewayHTTPServer.Configuration()
        configuration.cors = CORSPolicy(allowedOrigins: [Self.dashboard])
        let server = GatewayHTTPServer(gateway: harness.gateway, configuration: configuration, logger: Logger(label: "test"))
        try await Application(router: server).test(.live) { client in
            for origin in ["https://evil.example", "https://dashboard.example.com.evil.example", "null"] {
                let response = try await client.execute(
                    uri: "/v1/instances", method: .options, headers: Self.preflight(origin))
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.headers[.accessControlAllowMethods] == nil)
                let call = try await client.execute(
                    uri: "/v1/me", method: .get,
                    headers: [.origin: origin, .authorization: "Bearer \(harness.acme.adminKey)"])
                #expect(call.headers[.accessControlAllowOrigin] == nil)
            }
            // A preflight for a path the API does not have is not answered as if it existed.
            let unknown = try await client.execute(
                uri: "/v1/nothing-here", method: .options, headers: Self.preflight(Self.dashboard))
            #expect(unknown.status == .notFound)
        }
    }

    @Test func withoutAPolicyPreflightsAreNotAnswered() async throws {
        let (_, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/instances", method: .options, headers: Self.preflight(Self.dashboard))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }
}
