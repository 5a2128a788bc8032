import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WACoreTesting
import WAHTTP

@Suite struct AuthAPITests {
    static let password = "correct horse battery staple"

    @Test func aSignedInMemberUsesTheSessionTokenAsABearerCredential() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let before = Date()
            let signedIn = try await client.signIn("acme", "admin@acme.example", Self.password)
            let after = Date()
            #expect(signedIn.status == .ok)
            let body = try signedIn.object
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["member_id"] as? String == harness.acme.admin.id.description)
            #expect(body["organization_id"] as? String == harness.acme.organization.id.description)
            #expect(body["role"] as? String == "admin")
            let expiresAt = try #require(body["expires_at"] as? String)
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let expiry = try #require(format.date(from: expiresAt))
            // An hour after it was issued (in whole seconds), whenever between `before` and `after` that was.
            #expect(expiry.timeIntervalSince(before) >= 3599 && expiry.timeIntervalSince(after) <= 3601)
            let token = try #require(body["token"] as? String)

            let me = try await client.call(.get, "/v1/me", key: token)
            #expect(me.status == .ok)
            #expect(try me.object["kind"] as? String == "member")
            #expect(try me.object["member_id"] as? String == harness.acme.admin.id.description)
            // Sessions count against their member's request limit, not the address's.
            #expect(me.headers[HTTPField.Name("RateLimit-Limit")!] == "600")

            // X-Api-Key carries API keys only.
            let inKeyHeader = try await client.call(.get, "/v1/me", headers: [HTTPField.Name("X-Api-Key")!: token])
            #expect(inKeyHeader.status == .unauthorized)
        }
    }

    @Test func everyWrongSignInGetsTheSameAnswer() async throws {
        let (_, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let attempts = [
                ("acme", "admin@acme.example", "wrong password entirely"),
                ("acme", "nobody@acme.example", Self.password),
                ("no-such-org", "admin@acme.example", Self.password),
                ("globex", "admin@acme.example", Self.password),
            ]
            var answers: Set<String> = []
            for (organization, email, password) in attempts {
                let response = try await client.signIn(organization, email, password)
                #expect(response.status == .unauthorized)
                var problem = try response.object
                #expect(problem["code"] as? String == "invalid_credentials")
                #expect(problem["token"] == nil)
                problem["request_id"] = nil
                answers.insert(String(decoding: try JSONSerialization.data(withJSONObject: problem, options: .sortedKeys), as: UTF8.self))
            }
            #expect(answers.count == 1)
        }
    }

    @Test func signingOutEndsTheToken() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let first = try await client.token("acme", "admin@acme.example", Self.password)
            let second = try await client.token("acme", "admin@acme.example", Self.password)
            #expect(try await client.call(.post, "/v1/auth/logout", key: first).status == .noContent)
            // One epoch per member: signing out of one session signs out of all.
            #expect(try await client.call(.get, "/v1/me", key: first).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/me", key: second).status == .unauthorized)
            // An API key is not a session: it cannot sign out, and it still works.
            let byKey = try await client.call(.post, "/v1/auth/logout", key: harness.acme.adminKey)
            #expect(byKey.status == .forbidden)
            #expect(try await client.call(.get, "/v1/me", key: harness.acme.adminKey).status == .ok)
        }
    }

    @Test func aRoleChangeOrDeactivationEndsTheMembersTokens() async throws {
        let (harness, server) = try await APIHarness.make()
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let manager = try await harness.member(in: harness.acme, role: .manager, email: "mia@acme.example")
        try await Application(router: server).test(.live) { client in
            let token = try await client.token("acme", "mia@acme.example", Self.password)
            #expect(try await client.call(.get, "/v1/me", key: token).status == .ok)
            _ = try await harness.gateway.team.changeRole(of: manager.id, to: .agent, by: admin)
            #expect(try await client.call(.get, "/v1/me", key: token).status == .unauthorized)

            let again = try await client.token("acme", "mia@acme.example", Self.password)
            #expect(try await client.call(.get, "/v1/me", key: again).object["role"] as? String == "agent")
            _ = try await harness.gateway.team.deactivate(manager.id, by: admin)
            #expect(try await client.call(.get, "/v1/me", key: again).status == .unauthorized)
            #expect(try await client.signIn("acme", "mia@acme.example", Self.password).status == .unauthorized)
        }
    }

    @Test func changingThePasswordReplacesTheSession() async throws {
        let (harness, server) = try await APIHarness.make()
        _ = try await harness.member(in: harness.acme, role: .agent, email: "ana@acme.example")
        try await Application(router: server).test(.live) { client in
            let old = try await client.token("acme", "ana@acme.example", Self.password)
            let wrong = try await client.call(
                .post, "/v1/auth/password", key: old,
                json: #"{"current_password":"not it at all","new_password":"a much longer new passphrase"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.object["field"] as? String == "current_password")
            let weak = try await client.call(
                .post, "/v1/auth/password", key: old,
                json: #"{"current_password":"\#(Self.password)","new_password":"short"}"#)
            #expect(weak.status == .unprocessableContent)
            #expect(weak.problemCode == "weak_password")

            let changed = try await client.call(
                .post, "/v1/auth/password", key: old,
                json: #"{"current_password":"\#(Self.password)","new_password":"a much longer new passphrase"}"#)
            #expect(changed.status == .ok)
            let new = try #require(try changed.object["token"] as? String)
            #expect(try await client.call(.get, "/v1/me", key: old).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/me", key: new).status == .ok)
            #expect(try await client.signIn("acme", "ana@acme.example", Self.password).status == .unauthorized)
            #expect(try await client.signIn("acme", "ana@acme.example", "a much longer new passphrase").status == .ok)
        }
    }

    @Test func aPasswordResetTokenTravelsThroughTheNotifierOnly() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let known = try await client.call(
                .post, "/v1/auth/password-reset", json: #"{"organization":"acme","email":"admin@acme.example"}"#)
            let unknown = try await client.call(
                .post, "/v1/auth/password-reset", json: #"{"organization":"acme","email":"nobody@acme.example"}"#)
            #expect(known.status == .accepted)
            #expect(unknown.status == .accepted)
            #expect(known.body.readableBytes == unknown.body.readableBytes)
            #expect(harness.notifier.notifications.count == 1)
            let notification = try #require(harness.notifier.last(for: "admin@acme.example"))
            #expect(notification.kind == .passwordReset)
            let token = notification.token.reveal()
            #expect(!String(buffer: known.body).contains(token))

            let session = try await client.token("acme", "admin@acme.example", Self.password)
            let reset = try await client.call(
                .post, "/v1/auth/password-reset/confirm",
                json: #"{"token":"\#(token)","password":"another long passphrase here"}"#)
            #expect(reset.status == .noContent)
            #expect(try await client.call(.get, "/v1/me", key: session).status == .unauthorized)
            #expect(try await client.signIn("acme", "admin@acme.example", "another long passphrase here").status == .ok)

            let reused = try await client.call(
                .post, "/v1/auth/password-reset/confirm",
                json: #"{"token":"\#(token)","password":"yet another long passphrase"}"#)
            #expect(reused.status == .unauthorized)
            #expect(reused.problemCode == "invalid_credentials")
        }
    }

    @Test func anInvitationIsAcceptedOverHTTPAndSignsTheMemberIn() async throws {
        let (harness, server) = try await APIHarness.make()
        _ = try await harness.gateway.team.invite(
            email: "vic@acme.example", displayName: "Vic", role: .viewer,
            by: .authenticatedExternally(harness.acme.admin))
        let token = try #require(harness.notifier.last(for: "vic@acme.example")).token.reveal()
        try await Application(router: server).test(.live) { client in
            let accepted = try await client.call(
                .post, "/v1/auth/invitations/accept", json: #"{"token":"\#(token)","password":"\#(Self.password)"}"#)
            #expect(accepted.status == .ok)
            #expect(try accepted.object["role"] as? String == "viewer")
            let session = try #require(try accepted.object["token"] as? String)
            #expect(try await client.call(.get, "/v1/me", key: session).object["role"] as? String == "viewer")
            let again = try await client.call(
                .post, "/v1/auth/invitations/accept", json: #"{"token":"\#(token)","password":"\#(Self.password)"}"#)
            #expect(again.status == .unauthorized)
        }
    }

    @Test func forgedAlteredAndExpiredTokensAreRefused() async throws {
        // A token's expiry is kept in whole seconds (JWT's NumericDate), so it may end up to a second early. The
        // lifetime leaves a busy machine time for the checks before it.
        let (_, server) = try await APIHarness.make(sessionLifetime: .seconds(10))
        let (_, stranger) = try await APIHarness.make()
        let foreign = try await Application(router: stranger).test(.router) { client in
            try await client.token("acme", "admin@acme.example", Self.password)
        }
        try await Application(router: server).test(.live) { client in
            let token = try await client.token("acme", "admin@acme.example", Self.password)
            let issued = ContinuousClock.now  // the token's expiry is at most its lifetime after this
            #expect(try await client.call(.get, "/v1/me", key: token).status == .ok)
            // Another gateway's keyring signed it: the same claims, a signature this one does not accept.
            #expect(try await client.call(.get, "/v1/me", key: foreign).status == .unauthorized)
            // A payload changed after signing (the epoch raised, say) breaks the signature.
            var parts = token.split(separator: ".").map(String.init)
            var payload = try #require(Self.decodeSegment(parts[1]))
            payload["sep"] = 41
            parts[1] = Self.encodeSegment(try JSONSerialization.data(withJSONObject: payload))
            #expect(try await client.call(.get, "/v1/me", key: parts.joined(separator: ".")).status == .unauthorized)
            // "alg: none" with no signature.
            let none = Self.encodeSegment(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + token.split(separator: ".")[1] + "."
            #expect(try await client.call(.get, "/v1/me", key: none).status == .unauthorized)
            try await Task.sleep(until: issued + .milliseconds(10_100))
            let expired = try await client.call(.get, "/v1/me", key: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.problemCode == "unauthenticated")
        }
    }

    @Test func failedSignInsFromOneAddressAreLimited() async throws {
        let limits = HTTPRequestLimits(perIP: try RateLimit(count: 6, per: .seconds(60)))
        let (_, server) = try await APIHarness.make(requestLimits: limits)
        try await Application(router: server).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<4 {
                // A different account each time: WACore's per-account throttle never applies.
                statuses.append(try await client.signIn("acme", "guess\(attempt)@acme.example", "wrong").status)
            }
            #expect(statuses.first == .unauthorized)
            #expect(statuses.last == .tooManyRequests)
            let refused = try await client.signIn("acme", "admin@acme.example", Self.password)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    static func decodeSegment(_ segment: String) -> [String: Any]? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func encodeSegment(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension APIHarness {
    /// A new active member of `tenant` with `role`, whose password is ``AuthAPITests/password``.
    func member(in tenant: Tenant, role: Role, email: String) async throws -> Member {
        let (_, invitation) = try await gateway.team.invite(
            email: email, displayName: role.rawValue, role: role, by: .authenticatedExternally(tenant.admin))
        return try await gateway.team.acceptInvitation(token: invitation.reveal(), password: AuthAPITests.password)
    }
}

extension TestClientProtocol {
    /// `POST /v1/auth/login`.
    func signIn(_ organization: String, _ email: String, _ password: String) async throws -> TestResponse {
        try await call(
            .post, "/v1/auth/login",
            json: #"{"organization":"\#(organization)","email":"\#(email)","password":"\#(password)"}"#)
    }

    /// A session token, or a failure when signing in does not succeed.
    func token(_ organization: String, _ email: String, _ password: String) async throws -> String {
        let response = try await signIn(organization, email, password)
        guard response.status == .ok, let token = try response.object["token"] as? String else {
            throw WAError(.internalError, "signing in failed: \(String(buffer: response.body))")
        }
        return token
    }
}
