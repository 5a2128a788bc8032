import Foundation
import Testing
import WACore
import WACoreTesting

/// Credentials end with what they belonged to (issue #9, items 3–5 and 8–11): live and test keys never mix, a
/// rotated key holds no more than its owner's role, reset tokens and keys do not outlive deactivation, a principal
/// does not outlive its member's access, sign-in guessing is throttled, and every step is audited.
@Suite("Credential lifecycles")
struct CredentialLifecycleTests {
    let clock = TestClock()
    let env: ServiceEnvironment
    let team: TeamService
    let keys: APIKeyService
    static let password = "correct horse battery staple"
    static let memberPassword = "a different passphrase 99"

    init() {
        env = .testing(clock: clock)
        team = TeamService(environment: env)
        keys = APIKeyService(environment: env)
    }

    private func organization(slug: String = "acme") async throws -> (Organization, Member) {
        try await team.createOrganization(
            name: "Acme", slug: slug, plan: .pro, adminEmail: "ana@\(slug).example.com", adminName: "Ana",
            adminPassword: Self.password)
    }

    private func join(_ email: String, _ role: Role, by admin: Member) async throws -> Member {
        let (_, invitation) = try await team.invite(email: email, displayName: email, role: role, by: .acting(as: admin))
        return try await team.acceptInvitation(token: invitation.reveal(), password: Self.memberPassword)
    }

    private func audit(_ org: OrganizationID) async throws -> [AuditEvent] {
        try await env.store.transaction(.organization(org)) { try await $0.auditEvents.list(in: org, page: .all).items }
    }

    private func member(_ id: MemberID, in org: OrganizationID) async throws -> Member {
        try await env.store.transaction(.organization(org)) { try await $0.members.get(id, in: org) }
    }

    // MARK: Item 3: live and test keys never mix

    @Test func testKeysNeverAuthenticateOnALiveServiceAndViceVersa() async throws {
        let (_, admin) = try await organization()
        let testKeys = APIKeyService(environment: env, keyEnvironment: .test)
        let testKey = try await testKeys.issue(name: "sandbox", scopes: [.messagesRead], by: .acting(as: admin))
        let liveKey = try await keys.issue(name: "production", scopes: [.messagesRead], by: .acting(as: admin))
        #expect(testKey.secret.reveal().hasPrefix("wa_test_") && liveKey.secret.reveal().hasPrefix("wa_live_"))

        _ = try await testKeys.authenticate(testKey.secret.reveal())
        _ = try await keys.authenticate(liveKey.secret.reveal())
        // The same answer as an unknown key: the other environment's keys do not exist here.
        let onLive = await expectWAError(.invalidCredentials) { try await keys.authenticate(testKey.secret.reveal()) }
        #expect(onLive?.message == "the API key is not valid")
        await expectWAError(.invalidCredentials) { try await testKeys.authenticate(liveKey.secret.reveal()) }
    }

    // MARK: Item 4: a rotated key holds no more than its owner's role at rotation

    @Test func rotationBoundsTheNewKeysScopesByTheOwnersRoleAtRotation() async throws {
        let (org, ana) = try await organization()
        let zoe = try await join("zoe@example.com", .admin, by: ana)
        let issued = try await keys.issue(
            name: "ops", scopes: [.membersManage, .auditRead, .messagesRead], by: .acting(as: ana))
        let demoted = try await team.changeRole(of: ana.id, to: .agent, by: .acting(as: zoe))

        let rotated = try await keys.rotate(issued.record.id, by: .acting(as: demoted))
        #expect(rotated.record.scopes == [.messagesRead])
        let event = try #require(try await audit(org.id).last { $0.action == "api_key.rotated" })
        #expect(event.metadata["scopes"] == "messages:read")
        #expect(event.metadata["dropped_scopes"] == "audit:read members:manage")

        // Promoted again, the rotated key does not regain what its owner lacked when it was rotated.
        _ = try await team.changeRole(of: ana.id, to: .admin, by: .acting(as: zoe))
        let (principal, _) = try await keys.authenticate(rotated.secret.reveal())
        #expect(principal.permissions == [.messagesRead])

        // A key none of whose scopes the owner's role still holds is not rotated into an empty key.
        let adminOnly = try await keys.issue(name: "audit", scopes: [.auditRead], by: .acting(as: try await member(ana.id, in: org.id)))
        let agentAgain = try await team.changeRole(of: ana.id, to: .agent, by: .acting(as: zoe))
        await expectWAError(.scopeExceedsCreator) { try await keys.rotate(adminOnly.record.id, by: .acting(as: agentAgain)) }
    }

    // MARK: Item 5: reset tokens end with deactivation, reactivation, role change and password change

    @Test func passwordResetTokensEndWhenTheMembersAccessChanges() async throws {
        let (_, ana) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: ana)
        let changes: [(String, @Sendable () async throws -> Void)] = [
            ("deactivation and reactivation", {
                _ = try await team.deactivate(bo.id, by: .acting(as: ana))
                _ = try await team.reactivate(bo.id, by: .acting(as: ana))
            }),
            ("role change", { _ = try await team.changeRole(of: bo.id, to: .viewer, by: .acting(as: ana)) }),
            ("password change", {
                let current = try await member(bo.id, in: ana.organizationID)
                try await team.changePassword(
                    current: Self.memberPassword, new: "bo changed it himself 7", by: .acting(as: current))
                try await team.changePassword(
                    current: "bo changed it himself 7", new: Self.memberPassword, by: .acting(as: current))
            }),
        ]
        for (name, change) in changes {
            let token = try #require(
                try await team.requestPasswordReset(organizationSlug: "acme", email: "bo@example.com"), "\(name)")
            try await change()
            await expectWAError(.invalidCredentials, "\(name)") {
                try await team.resetPassword(token: token.reveal(), newPassword: "an attacker's passphrase 1")
            }
        }
        #expect(try await member(bo.id, in: ana.organizationID).credentialToken == nil)
    }

    // MARK: Item 8: a principal does not outlive its member's access

    @Test func aPrincipalBuiltBeforeDeactivationNoLongerActs() async throws {
        let (_, ana) = try await organization()
        let bo = try await join("bo@example.com", .manager, by: ana)
        let stale = Principal.acting(as: bo)
        let templates = TemplateService(environment: env)
        _ = try await templates.create(name: "one", body: "Hi", by: stale)
        _ = try await team.deactivate(bo.id, by: .acting(as: ana))
        await expectWAError(.unauthenticated) { try await templates.create(name: "two", body: "Hi", by: stale) }
        await expectWAError(.unauthenticated) { try await templates.list(by: stale) }
    }

    @Test func aPrincipalBuiltBeforeADemotionHasOnlyTheCurrentRole() async throws {
        let (_, ana) = try await organization()
        let bo = try await join("bo@example.com", .manager, by: ana)
        let stale = Principal.acting(as: bo)
        _ = try await team.changeRole(of: bo.id, to: .viewer, by: .acting(as: ana))
        await expectWAError(.permissionDenied) {
            try await TemplateService(environment: env).create(name: "one", body: "Hi", by: stale)
        }
        await expectWAError(.permissionDenied) {
            try await team.invite(email: "cy@example.com", displayName: "Cy", role: .admin, by: .acting(as: bo.with(role: .admin)))
        }
    }

    @Test func anAPIKeyPrincipalEndsWithItsKey() async throws {
        let (_, ana) = try await organization()
        let issued = try await keys.issue(name: "k", scopes: [.templatesManage], by: .acting(as: ana))
        let (principal, _) = try await keys.authenticate(issued.secret.reveal())
        let templates = TemplateService(environment: env)
        _ = try await templates.create(name: "one", body: "Hi", by: principal)
        try await keys.revoke(issued.record.id, by: .acting(as: ana))
        await expectWAError(.unauthenticated) { try await templates.create(name: "two", body: "Hi", by: principal) }
    }

    // MARK: Item 9: sign-in guessing is throttled per account, uniformly

    @Test func failedSignInsAreThrottledPerAccountWithAGrowingDelay() async throws {
        _ = try await organization()
        var codes: [WAError.Code] = []
        var waits: [Duration] = []
        for _ in 0..<200 {
            do {
                _ = try await team.signIn(organizationSlug: "acme", email: "ana@acme.example.com", password: "guess")
            } catch let error as WAError {
                codes.append(error.code)
                if let wait = error.retryAfter { waits.append(wait) }
            }
            clock.advance(by: .seconds(1))
        }
        #expect(codes.contains(.rateLimited))
        #expect(codes.allSatisfy { $0 == .invalidCredentials || $0 == .rateLimited })
        #expect(codes.filter { $0 == .invalidCredentials }.count < 30)
        #expect(waits.count == codes.filter { $0 == .rateLimited }.count)
        #expect(try #require(waits.max()) > .seconds(60))  // the delay grew
        // The right password right after the guesses is refused too, with the time to wait…
        let refused = await expectWAError(.rateLimited) {
            try await team.signIn(organizationSlug: "acme", email: "ana@acme.example.com", password: Self.password)
        }
        let wait = try #require(refused?.retryAfter)
        #expect(wait <= .seconds(3_600))  // a delay, not a lockout
        // …and accepted once that time has passed.
        clock.advance(by: wait)
        _ = try await team.signIn(organizationSlug: "acme", email: "ana@acme.example.com", password: Self.password)
    }

    @Test func throttlingRevealsNothingAboutWhetherAnAccountExists() async throws {
        _ = try await organization()
        func attempts(_ email: String) async -> [String] {
            var seen: [String] = []
            for _ in 0..<40 {
                do {
                    _ = try await team.signIn(organizationSlug: "acme", email: email, password: "guess")
                } catch let error as WAError {
                    seen.append("\(error.code.rawValue) \(error.message) \(error.retryAfter.map { "\($0)" } ?? "-")")
                } catch {
                    seen.append("\(error)")
                }
                clock.advance(by: .seconds(1))
            }
            return seen
        }
        let known = await attempts("ana@acme.example.com")
        let unknown = await attempts("nobody@acme.example.com")
        #expect(known.contains { $0.hasPrefix("rate_limited") })
        #expect(known == unknown)
    }

    // MARK: Item 10: security-relevant successes and failures are audited

    @Test func aSuccessfulSignInIsAudited() async throws {
        let (org, ana) = try await organization()
        _ = try await team.signIn(organizationSlug: "acme", email: "ana@acme.example.com", password: Self.password)
        let event = try #require(try await audit(org.id).last)
        #expect(event.action == "member.signed_in" && event.resourceID == ana.id.description)
        #expect(event.actor == .member(ana.id))
    }

    @Test func aKnownMembersFailedSignInsAreAuditedWithTheReason() async throws {
        let (org, ana) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: ana)
        let (cy, _) = try await team.invite(email: "cy@example.com", displayName: "Cy", role: .viewer, by: .acting(as: ana))
        _ = try await team.deactivate(bo.id, by: .acting(as: ana))
        for (email, password) in [
            ("ana@acme.example.com", "not my password"), ("bo@example.com", Self.memberPassword),
            ("cy@example.com", Self.memberPassword), ("nobody@example.com", Self.memberPassword),
        ] {
            await expectWAError(.invalidCredentials, "\(email)") {
                try await team.signIn(organizationSlug: "acme", email: email, password: password)
            }
        }
        let failures = try await audit(org.id).filter { $0.action == "member.sign_in_failed" }
        #expect(failures.map(\.resourceID) == [ana.id.description, bo.id.description, cy.id.description])
        #expect(failures.map { $0.metadata["reason"] } == ["wrong_password", "inactive", "no_password"])
    }

    @Test func failedPasswordChangesAndResetsAreAudited() async throws {
        let (org, ana) = try await organization()
        await expectWAError(.invalidCredentials) {
            try await team.changePassword(current: "not my password", new: "whatever it is 123", by: .acting(as: ana))
        }
        let token = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: ana.email))
        _ = try await team.requestPasswordReset(organizationSlug: "acme", email: ana.email)  // replaces `token`
        await expectWAError(.invalidCredentials) {
            try await team.resetPassword(token: token.reveal(), newPassword: "whatever it is 123")
        }
        let actions = try await audit(org.id).map(\.action)
        #expect(actions.contains("member.password_change_failed"))
        #expect(actions.contains("member.password_reset_failed"))
    }

    // MARK: Item 11: lifecycles

    @Test func aDeactivatedMembersKeysDoNotReturnOnReactivation() async throws {
        let (org, ana) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: ana)
        let issued = try await keys.issue(name: "bo's", scopes: [.messagesRead], by: .acting(as: bo))
        _ = try await team.deactivate(bo.id, by: .acting(as: ana))
        await expectWAError(.apiKeyRevoked) { try await keys.authenticate(issued.secret.reveal()) }
        _ = try await team.reactivate(bo.id, by: .acting(as: ana))
        await expectWAError(.apiKeyRevoked) { try await keys.authenticate(issued.secret.reveal()) }
        let revoked = try #require(try await audit(org.id).last { $0.action == "api_key.revoked" })
        #expect(revoked.resourceID == issued.record.id.description && revoked.metadata["reason"] == "member_deactivated")
    }

    @Test func revokingARotatedKeysReplacementEndsTheOldKeysOverlap() async throws {
        let (_, ana) = try await organization()
        let original = try await keys.issue(name: "ci", scopes: [.messagesRead], by: .acting(as: ana))
        let first = try await keys.rotate(original.record.id, overlap: .seconds(86_400), by: .acting(as: ana))
        let second = try await keys.rotate(first.record.id, overlap: .seconds(86_400), by: .acting(as: ana))
        _ = try await keys.authenticate(original.secret.reveal())  // still in its overlap
        _ = try await keys.authenticate(first.secret.reveal())
        try await keys.revoke(second.record.id, by: .acting(as: ana))
        await expectWAError(.apiKeyRevoked) { try await keys.authenticate(first.secret.reveal()) }
        await expectWAError(.apiKeyRevoked) { try await keys.authenticate(original.secret.reveal()) }
    }

    @Test func removingAMemberRevokesTheirKeysSessionsAndLinks() async throws {
        let (org, ana) = try await organization()
        let bo = try await join("bo@example.com", .manager, by: ana)
        let issued = try await keys.issue(name: "bo's", scopes: [.templatesManage], by: .acting(as: bo))
        let (session, _) = try await team.authenticate(
            organizationSlug: "acme", email: "bo@example.com", password: Self.memberPassword)
        let (keyPrincipal, _) = try await keys.authenticate(issued.secret.reveal())
        let link = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "bo@example.com"))

        try await team.remove(bo.id, by: .acting(as: ana))

        await expectWAError(.apiKeyRevoked) { try await keys.authenticate(issued.secret.reveal()) }
        let templates = TemplateService(environment: env)
        await expectWAError(.unauthenticated) { try await templates.create(name: "x", body: "Hi", by: session) }
        await expectWAError(.unauthenticated) { try await templates.create(name: "y", body: "Hi", by: keyPrincipal) }
        await expectWAError(.unauthenticated) { try await team.principal(for: bo.id, in: org.id) }
        await expectWAError(.invalidCredentials) {
            try await team.resetPassword(token: link.reveal(), newPassword: "an attacker's passphrase 1")
        }
        await expectWAError(.invalidCredentials) {
            try await team.signIn(organizationSlug: "acme", email: "bo@example.com", password: Self.memberPassword)
        }
        let events = try await audit(org.id)
        let removed = try #require(events.last)
        #expect(removed.action == "member.removed" && removed.resourceID == bo.id.description)
        #expect(events.contains { $0.action == "api_key.revoked" && $0.metadata["reason"] == "member_removed" })
        // The address is free again.
        _ = try await team.invite(email: "bo@example.com", displayName: "Bo", role: .viewer, by: .acting(as: ana))
    }

    @Test func theLastActiveAdminCannotBeRemoved() async throws {
        let (_, ana) = try await organization()
        await expectWAError(.lastAdmin) { try await team.remove(ana.id, by: .acting(as: ana)) }
        let zoe = try await join("zoe@example.com", .admin, by: ana)
        try await team.remove(ana.id, by: .acting(as: zoe))
    }

    @Test func aPrincipalForAMemberWhoWasNeverStoredDoesNothing() async throws {
        let (org, ana) = try await organization()
        let ghost = Member(
            id: env.ids.make(), organizationID: org.id, email: "ghost@example.com", displayName: "Ghost", role: .admin,
            createdAt: clock.now())
        await expectWAError(.unauthenticated) {
            try await team.invite(email: "x@example.com", displayName: "X", role: .admin, by: .authenticatedExternally(ghost))
        }
        // A session resolves the member as stored now.
        let resolved = try await team.principal(for: ana.id, in: org.id)
        #expect(resolved.role == .admin && resolved.kind == .member(ana.id))
    }
}

extension Member {
    /// This member with another role (a record that is not what the store holds).
    fileprivate func with(role: Role) -> Member {
        var copy = self
        copy.role = role
        return copy
    }
}
