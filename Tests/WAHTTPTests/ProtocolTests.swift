import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

/// What every response has in common: helmet's security headers, a request id, and errors as problem details.
@Suite struct ProtocolTests {
    /// helmet 8's defaults, value for value (`reference/security.md` §8).
    static let helmet: [(String, String)] = [
        (
            "Content-Security-Policy",
            "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"
        ),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Origin-Agent-Cluster", "?1"),
        ("Referrer-Policy", "no-referrer"),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-DNS-Prefetch-Control", "off"),
        ("X-Download-Options", "noopen"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("X-Permitted-Cross-Domain-Policies", "none"),
        ("X-XSS-Protection", "0"),
    ]

    @Test func everyResponseCarriesHelmetsHeadersAndARequestID() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let responses = [
                try await client.call(.get, "/health"),
                try await client.call(.get, "/v1/me", key: harness.acme.adminKey),
                try await client.call(.get, "/v1/me"),
                try await client.call(.get, "/no/such/route"),
            ]
            #expect(responses.map(\.status) == [.ok, .ok, .unauthorized, .notFound])
            var requestIDs: Set<String> = []
            for response in responses {
                for (name, value) in Self.helmet {
                    #expect(response.headers[HTTPField.Name(name)!] == value, "\(name) on \(response.status)")
                }
                #expect(response.headers[.server] == nil)
                #expect(response.headers[HTTPField.Name("X-Powered-By")!] == nil)
                let id = try #require(response.headers[.requestID])
                requestIDs.insert(id)
            }
            #expect(requestIDs.count == responses.count)
        }
    }

    @Test func errorsAreProblemDetailsWithTheRequestID() async throws {
        let (_, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let response = try await client.call(.get, "/v1/me")
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let problem = try response.object
            #expect(problem["code"] as? String == "unauthenticated")
            #expect(problem["status"] as? Int == 401)
            #expect(problem["title"] as? String == "Unauthorized")
            #expect(problem["type"] as? String == "about:blank")
            #expect(problem["request_id"] as? String == response.headers[.requestID])
        }
    }

    @Test func everyBadCredentialGetsTheSameAnswer() async throws {
        let (harness, server) = try await APIHarness.make()
        let revoked = try await harness.gateway.apiKeys.issue(
            name: "old", scopes: [.instancesRead], by: .authenticatedExternally(harness.acme.admin))
        _ = try await harness.gateway.apiKeys.revoke(revoked.record.id, by: .authenticatedExternally(harness.acme.admin))
        let valid = harness.acme.adminKey
        let wrongSecret = String(valid.dropLast(8)) + "AAAAAAAA"
        try await Application(router: server).test(.live) { client in
            let attempts: [HTTPFields] = [
                [:],
                [.authorization: "Bearer not-a-key"],
                [.authorization: "Bearer \(wrongSecret)"],
                [.authorization: "Bearer \(revoked.secret.reveal())"],
                [.authorization: "Basic dXNlcjpwYXNz"],
                [.authorization: "Bearer \(valid)", HTTPField.Name("X-Api-Key")!: valid],
            ]
            var details: Set<String> = []
            for headers in attempts {
                let response = try await client.call(.get, "/v1/instances", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.problemCode == "unauthenticated")
                details.insert(try response.object["detail"] as? String ?? "")
            }
            #expect(details.count == 1)
            let viaHeader = try await client.call(.get, "/v1/instances", headers: [HTTPField.Name("X-Api-Key")!: valid])
            #expect(viaHeader.status == .ok)
        }
    }

    @Test func unknownPathsAndMethodsAndBodies() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let missing = try await client.call(.get, "/v1/nothing-here", key: key)
            #expect(missing.status == .notFound)
            #expect(missing.problemCode == "route_not_found")

            let wrongMethod = try await client.call(.put, "/v1/instances", key: key)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.problemCode == "method_not_allowed")
            let allowed = Set(
                (wrongMethod.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allowed == ["GET", "POST"])
            // A literal segment is its own route: /v1/media/usage allows GET only, not /v1/media/{id}'s DELETE.
            let literal = try await client.call(.put, "/v1/media/usage", key: key)
            #expect(literal.status == .methodNotAllowed)
            #expect(literal.headers[.allow] == "GET")

            let notJSON = try await client.call(.post, "/v1/instances", key: key, json: "{not json")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.problemCode == "malformed_request")

            let wrongShape = try await client.call(.post, "/v1/instances", key: key, json: #"{"name": 42}"#)
            #expect(wrongShape.status == .badRequest)
            #expect(wrongShape.problemCode == "malformed_request")

            let invalid = try await client.call(.post, "/v1/instances", key: key, json: #"{"name": "no spaces allowed"}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.problemCode == "invalid_argument")
            #expect(try invalid.object["field"] as? String == "name")

            let text = try await client.execute(
                uri: "/v1/instances", method: .post,
                headers: [.authorization: "Bearer \(key)", .contentType: "text/plain"],
                body: ByteBuffer(string: "name=x"))
            #expect(text.status == .unsupportedMediaType)
            #expect(text.problemCode == "unsupported_content_type")

            let badLimit = try await client.call(.get, "/v1/instances?limit=0", key: key)
            #expect(badLimit.status == .unprocessableContent)
            #expect(try badLimit.object["field"] as? String == "limit")

            let badID = try await client.call(.get, "/v1/instances/not-a-uuid", key: key)
            #expect(badID.status == .unprocessableContent)
            #expect(badID.problemCode == "invalid_identifier")
        }
    }

    @Test(arguments: [true, false])
    func readinessReflectsItsChecks(ready: Bool) async throws {
        let (_, server) = try await APIHarness.make(readiness: [HealthCheck(name: "database") { ready }])
        try await Application(router: server).test(.live) { client in
            let response = try await client.call(.get, "/ready")
            #expect(response.status == (ready ? .ok : .serviceUnavailable))
            #expect(try response.object["status"] as? String == (ready ? "ready" : "not_ready"))
            #expect((try response.object["failing"] as? [String]) == (ready ? nil : ["database"]))
        }
    }

    /// The store check passes on a store that answers, and fails after its timeout on one that hangs, without
    /// waiting for it.
    @Test func theStoreCheckGivesUpOnAStoreThatHangs() async throws {
        #expect(await HealthCheck.store(MemoryStore()).isReady())
        let clock = ContinuousClock()
        let started = clock.now
        #expect(await !HealthCheck.store(HangingStore(), timeout: .milliseconds(200)).isReady())
        #expect(clock.now - started < .seconds(5))
    }
}

/// A store whose transactions never start (a database that stopped answering).
private struct HangingStore: Store {
    var rateLimits: any RateLimitStore { MemoryRateLimitStore() }

    func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        try await Task.sleep(for: .seconds(3_600))
        throw WAError(.storageUnavailable, "never answers")
    }
}
