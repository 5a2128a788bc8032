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

    /// Behind a trusted proxy each forwarded client has a limit of its own; without one, `X-Forwarded-For` is
    /// ignored and every request counts against the connection's address.
    @Test(arguments: [true, false])
    func forwardedClientsCountSeparatelyOnlyBehindTrustedProxies(trusted: Bool) async throws {
        let proxies = trusted ? TrustedProxies([IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!]) : .none
        let (_, server) = try await APIHarness.make(requestLimits: Self.tight, trustedProxies: proxies)
        try await Application(router: server).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            // Four guesses from one client, then one from another client behind the proxy (or, untrusted, the same
            // connection under another claimed name).
            for address in Array(repeating: "203.0.113.7", count: 4) + ["198.51.100.1, 10.0.0.1"] {
                let response = try await client.call(
                    .get, "/v1/me", key: "wa_live_guess", headers: [HTTPField.Name("X-Forwarded-For")!: address])
                statuses.append(response.status)
            }
            #expect(statuses.prefix(4) == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            #expect(statuses.last == (trusted ? .unauthorized : .tooManyRequests))
        }
    }

    @Test func theClientIsTheFirstUntrustedHopFromTheRight() {
        let proxies = TrustedProxies([IPNetwork("10.0.0.0/8")!])
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["203.0.113.7, 10.1.1.1"]) == "203.0.113.7")
        // The client's own claim on the left is not believed past an untrusted hop.
        #expect(
            proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["1.2.3.4", "198.51.100.9, 10.1.1.1"])
                == "198.51.100.9")
        #expect(proxies.clientAddress(peer: "203.0.113.50", forwardedFor: ["1.2.3.4"]) == "203.0.113.50")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: []) == "10.0.0.2")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["evil, 10.0.0.9"]) == "10.0.0.9")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: ["10.0.0.8, 10.0.0.9"]) == "10.0.0.8")
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.2", forwardedFor: ["1.2.3.4"]) == "10.0.0.2")
        #expect(proxies.clientAddress(peer: nil, forwardedFor: ["1.2.3.4"]) == nil)
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
