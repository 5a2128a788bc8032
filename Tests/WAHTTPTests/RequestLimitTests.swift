import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct RequestLimitTests {
    static let tight = HTTPRequestLimits(
        perIP: try! RateLimit(count: 3, per: .seconds(60)), perAPIKey: try! RateLimit(count: 2, per: .seconds(60)))

    @Test func anAPIKeyOverItsLimitGets429WithHeaders() async throws {
        let (harness, server) = try await APIHarness.make(requestLimits: Self.tight)
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let first = try await client.call(.get, "/v1/instances", key: key)
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
            #expect(first.headers[HTTPField.Name("RateLimit-Remaining")!] == "1")
            #expect(first.headers[HTTPField.Name("RateLimit-Reset")!] != nil)
            let second = try await client.call(.get, "/v1/me", key: key)
            #expect(second.status == .ok)
            #expect(second.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")

            let refused = try await client.call(.get, "/v1/instances", key: key)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.problemCode == "rate_limited")
            #expect(refused.headers[.contentType] == "application/problem+json")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...30).contains(retryAfter))
            #expect(try refused.object["retry_after"] as? Int == retryAfter)
            #expect(refused.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")

            // Another organization's key has a limit of its own; health checks are never limited.
            #expect(try await client.call(.get, "/v1/instances", key: harness.globex.adminKey).status == .ok)
            for _ in 0..<5 { #expect(try await client.call(.get, "/health").status == .ok) }
        }
    }

    @Test func requestsWithoutAValidKeyCountAgainstTheAddress() async throws {
        let (_, server) = try await APIHarness.make(requestLimits: Self.tight)
        try await Application(router: server).test(.live) { client in
            for _ in 0..<3 {
                #expect(try await client.call(.get, "/v1/me", key: "wa_live_guess").status == .unauthorized)
            }
            let limited = try await client.call(.get, "/v1/me", key: "wa_live_guess")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            let document = try await client.call(.get, "/openapi.yaml")
            #expect(document.status == .tooManyRequests)
        }
    }

    @Test func limitsCanBeTurnedOff() async throws {
        let (harness, server) = try await APIHarness.make(requestLimits: nil)
        try await Application(router: server).test(.live) { client in
            for _ in 0..<5 {
                let response = try await client.call(.get, "/v1/me", key: harness.acme.adminKey)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == nil)
            }
        }
    }
}
