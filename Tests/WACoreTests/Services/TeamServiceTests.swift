import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Team service")
struct TeamServiceTests {
    let clock = TestClock()
    let env: ServiceEnvironment
    let team: TeamService
    static let password = "correct horse battery staple"
    static let memberPassword = "a different passphrase 99"

    init() {
        env = .testing(clock: clock)
        team = TeamService(environment: env)
    }

    private func organization(plan: Plan = .pro, slug: String = "acme") async throws -> (Organization, Member) {
        try await team.createOrganization(
            name: "Acme", slug: slug, plan: plan, adminEmail: "Ana@Example.com", adminName: "Ana",
            adminPassword: Self.password)
    }

    private func audit(_ org: OrganizationID) async throws -> [String] {
        try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, page: .all).items.map(\.action)
        }
    }

    private func join(_ email: String, _ role: Role, by admin: Member) async throws -> Member {
        let (_, invitation) = try await team.invite(email: email, displayName: email, role: role, by: .acting(as: admin))
        return try await team.acceptInvitation(token: invitation.reveal(), password: Self.memberPassword)
    }

    @Test func signUpCreatesAnOrganizationWithAnAdminWhoCanSignIn() async throws {
        let (org, admin) = try await organization()
        #expect(admin.email == "ana@example.com" && admin.role == .admin && admin.isActive)
        let signedIn = try await team.signIn(organizationSlug: "acme", email: " ANA@example.com", password: Self.password)
        #expect(signedIn.id == admin.id && signedIn.lastSignInAt == clock.now())
        #expect(try await audit(org.id) == ["organization.created", "member.signed_in"])
    }

    @Test func signUpRejectsBadInputBeforeWritingAnything() async throws {
        let cases: [(String, String, String, String, WAError.Code)] = [
            ("Acme", "A", "ana@example.com", Self.password, .invalidArgument),  // slug
            ("Acme", "acme", "not-an-email", Self.password, .invalidArgument),  // e-mail
            ("Acme", "acme", "ana@example.com", "password1", .weakPassword),
            ("", "acme", "ana@example.com", Self.password, .invalidArgument),  // name
        ]
        for (name, slug, email, password, code) in cases {
            await expectWAError(code, "\(name) \(slug) \(email)") {
                try await team.createOrganization(
                    name: name, slug: slug, adminEmail: email, adminName: "Ana", adminPassword: password)
            }
        }
        _ = try await organization()  // the slug is still free
        let duplicate = await expectWAError(.alreadyExists) { try await organization() }
        #expect(duplicate?.field == "slug")
    }

    @Test func invitationsAreSingleUseAndExpire() async throws {
        let (org, admin) = try await organization()
        let (member, invitation) = try await team.invite(
            email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: admin))
        #expect(try await passwordHash(member.id, in: org.id) == nil && member.role == .agent)
        await expectWAError(.invalidCredentials) {
            try await team.signIn(organizationSlug: "acme", email: "bo@example.com", password: Self.password)
        }

        let joined = try await team.acceptInvitation(token: invitation.reveal(), password: "bo's own password 42")
        #expect(try await passwordHash(joined.id, in: org.id) != nil && joined.credentialToken == nil)
        _ = try await team.signIn(organizationSlug: "acme", email: "bo@example.com", password: "bo's own password 42")
        await expectWAError(.invalidCredentials) {
            try await team.acceptInvitation(token: invitation.reveal(), password: "another password 43")
        }

        let (_, late) = try await team.invite(email: "cy@example.com", displayName: "Cy", role: .viewer, by: .acting(as: admin))
        clock.advance(by: .seconds(7 * 86_400))
        await expectWAError(.invalidCredentials) {
            try await team.acceptInvitation(token: late.reveal(), password: "cy's own password 44")
        }
        await expectWAError(.invalidCredentials) {
            try await team.acceptInvitation(token: "wat_" + String(repeating: "A", count: 86), password: "x password 45")
        }
        #expect(
            try await audit(org.id) == [
                "organization.created", "member.invited",
                "member.sign_in_failed",  // before the invitation was accepted: no password yet
                "member.joined", "member.signed_in",
                "member.invitation_failed",  // the used invitation, again
                "member.invited", "member.invitation_failed",  // the expired one
            ])
    }

    @Test func onlyAdminsManageMembersAndNobodyGrantsAboveThemselves() async throws {
        let (_, admin) = try await organization()
        let manager = try await join("max@example.com", .manager, by: admin)
        await expectWAError(.permissionDenied) {
            try await team.invite(email: "x@example.com", displayName: "X", role: .viewer, by: .acting(as: manager))
        }
        await expectWAError(.permissionDenied) {
            try await team.changeRole(of: admin.id, to: .viewer, by: .acting(as: manager))
        }
    }

    @Test func thePlanLimitsActiveMembers() async throws {
        let (_, admin) = try await organization(plan: .starter)  // 3 members
        let bo = try await join("bo@example.com", .agent, by: admin)
        _ = try await join("cy@example.com", .viewer, by: admin)
        await expectWAError(.planLimitReached) {
            try await team.invite(email: "di@example.com", displayName: "Di", role: .viewer, by: .acting(as: admin))
        }
        _ = try await team.deactivate(bo.id, by: .acting(as: admin))
        _ = try await team.invite(email: "di@example.com", displayName: "Di", role: .viewer, by: .acting(as: admin))
        await expectWAError(.planLimitReached) { try await team.reactivate(bo.id, by: .acting(as: admin)) }
    }

    @Test func theLastActiveAdminStays() async throws {
        let (_, admin) = try await organization()
        for attempt in [
            { try await team.changeRole(of: admin.id, to: .manager, by: .acting(as: admin)) },
            { try await team.deactivate(admin.id, by: .acting(as: admin)) },
        ] as [@Sendable () async throws -> Member] {
            await expectWAError(.lastAdmin) { try await attempt() }
        }
        let second = try await join("zoe@example.com", .admin, by: admin)
        let demoted = try await team.changeRole(of: admin.id, to: .manager, by: .acting(as: second))
        #expect(demoted.role == .manager)
    }

    @Test func deactivatedMembersCannotSignIn() async throws {
        let (org, admin) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: admin)
        _ = try await team.deactivate(bo.id, by: .acting(as: admin))
        await expectWAError(.invalidCredentials) {
            try await team.signIn(organizationSlug: "acme", email: "bo@example.com", password: Self.memberPassword)
        }
        #expect(try await audit(org.id).contains("member.deactivated"))
    }

    @Test func signInFailuresAllLookTheSame() async throws {
        let (org, _) = try await organization()
        let attempts = [("acme", "ana@example.com", "wrong password!!"), ("nope", "ana@example.com", Self.password),
                        ("acme", "who@example.com", Self.password), ("acme", "garbage", Self.password)]
        for (slug, email, password) in attempts {
            let error = await expectWAError(.invalidCredentials) {
                try await team.signIn(organizationSlug: slug, email: email, password: password)
            }
            #expect(error?.message == "e-mail or password is wrong")
        }
        #expect(try await audit(org.id).filter { $0 == "member.sign_in_failed" }.count == 1)
    }

    @Test func passwordResetAndChange() async throws {
        let (org, admin) = try await organization()
        #expect(try await team.requestPasswordReset(organizationSlug: "acme", email: "who@example.com") == nil)
        #expect(try await team.requestPasswordReset(organizationSlug: "nope", email: "ana@example.com") == nil)
        let first = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "ana@example.com"))
        let second = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "ana@example.com"))
        await expectWAError(.invalidCredentials) {
            try await team.resetPassword(token: first.reveal(), newPassword: "a brand new passphrase")
        }
        _ = try await team.resetPassword(token: second.reveal(), newPassword: "a brand new passphrase")
        await expectWAError(.invalidCredentials) {
            try await team.signIn(organizationSlug: "acme", email: "ana@example.com", password: Self.password)
        }
        _ = try await team.signIn(organizationSlug: "acme", email: "ana@example.com", password: "a brand new passphrase")

        let wrong = await expectWAError(.invalidCredentials) {
            try await team.changePassword(current: "not it at all", new: "yet another passphrase", by: .acting(as: admin))
        }
        #expect(wrong?.field == "current_password")
        try await team.changePassword(current: "a brand new passphrase", new: "yet another passphrase", by: .acting(as: admin))
        _ = try await team.signIn(organizationSlug: "acme", email: "ana@example.com", password: "yet another passphrase")
        let actions = try await audit(org.id)
        #expect(actions.filter { $0 == "member.password_reset_requested" }.count == 2)
        #expect(actions.contains("member.password_reset") && actions.contains("member.password_changed"))

        // Expiry.
        let third = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "ana@example.com"))
        clock.advance(by: .seconds(3_600))
        await expectWAError(.invalidCredentials) {
            try await team.resetPassword(token: third.reveal(), newPassword: "too late passphrase")
        }
    }

    @Test func assigningInstancesBindsAgents() async throws {
        let (org, admin) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: admin)
        let instance = Instance(id: env.ids.make(), organizationID: org.id, name: "support", createdAt: clock.now())
        _ = try await env.store.transaction(.organization(org.id)) { try await $0.instances.insert(instance) }
        let unknown = await expectWAError(.notFound) {
            try await team.assign(instances: [env.ids.make()], to: bo.id, by: .acting(as: admin))
        }
        #expect(unknown?.field == "instances")
        let assigned = try await team.assign(instances: [instance.id], to: bo.id, by: .acting(as: admin))
        #expect(env.policy.decide(.acting(as: assigned), .messagesSend, on: .instance(instance.id, in: org.id)) == .allow)
        await expectWAError(.permissionDenied) {
            try await team.assign(instances: [], to: admin.id, by: .acting(as: assigned))
        }
    }

    @Test func anotherOrganizationsMembersAreOutOfReach() async throws {
        let (_, adminA) = try await organization(slug: "acme")
        let (_, adminB) = try await team.createOrganization(
            name: "Beta", slug: "beta", adminEmail: "ben@example.com", adminName: "Ben", adminPassword: Self.password)
        let bo = try await join("bo@example.com", .agent, by: adminA)
        await expectWAError(.notFound) { try await team.deactivate(bo.id, by: .acting(as: adminB)) }
        #expect(try await team.members(by: .acting(as: adminB)).items.map(\.id) == [adminB.id])
    }

    /// The member's stored password hash (kept in its own record, never on ``Member``).
    private func passwordHash(_ member: MemberID, in org: OrganizationID) async throws -> String? {
        try await env.store.transaction(.organization(org)) { try await $0.memberCredentials.passwordHash(of: member, in: org) }
    }

}
