import Foundation
import Testing
import WACore
import WACoreTesting

/// Session tokens stand only while their epoch is the member's (`TeamService.principal(for:in:epoch:)`); every event
/// that must end sessions moves it forward in its own transaction.
@Suite("Session epoch")
struct SessionEpochTests {
    let clock = TestClock()
    let env: ServiceEnvironment
    let team: TeamService
    static let password = "correct horse battery staple"
    static let memberPassword = "a different passphrase 99"

    init() {
        env = .testing(clock: clock)
        team = TeamService(environment: env)
    }

    private func organization() async throws -> (Organization, Member) {
        try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana", adminPassword: Self.password)
    }

    private func join(_ email: String, _ role: Role, by admin: Member) async throws -> Member {
        let (_, invitation) = try await team.invite(email: email, displayName: email, role: role, by: .acting(as: admin))
        return try await team.acceptInvitation(token: invitation.reveal(), password: Self.memberPassword)
    }

    /// A session as an issuer would hold it: signed in with a password, then resolved with the epoch.
    private func session(_ email: String, _ password: String = SessionEpochTests.memberPassword) async throws -> (MemberID, OrganizationID, Int) {
        let (_, member) = try await team.authenticate(organizationSlug: "acme", email: email, password: password)
        return (member.id, member.organizationID, member.sessionEpoch)
    }

    private func stored(_ id: MemberID, in org: OrganizationID) async throws -> Member {
        try await env.store.transaction(.organization(org)) { try await $0.members.get(id, in: org) }
    }

    private func audit(_ org: OrganizationID) async throws -> [AuditEvent] {
        try await env.store.transaction(.organization(org)) { try await $0.auditEvents.list(in: org, page: .all).items }
    }

    @Test func aNewMemberStartsAtEpochZeroAndASessionResolvesWhileItStands() async throws {
        let (org, admin) = try await organization()
        #expect(admin.sessionEpoch == 0)
        let (id, orgID, epoch) = try await session("ana@example.com", Self.password)
        #expect(orgID == org.id && epoch == 0)
        let principal = try await team.principal(for: id, in: orgID, epoch: epoch)
        #expect(principal.sessionEpoch == 0 && principal.memberID == admin.id && principal.role == .admin)
        // The session principal acts like any other.
        #expect(try await team.members(by: principal).items.count == 1)
        // An epoch the member never had (a forged or future token) is refused like an ended one.
        await expectWAError(.unauthenticated) { try await team.principal(for: id, in: orgID, epoch: 1) }
        await expectWAError(.unauthenticated) { try await team.principal(for: id, in: orgID, epoch: -1) }
    }

    @Test func signingOutEndsEverySessionOfTheMemberAndOnlyTheirs() async throws {
        let (org, admin) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: admin)
        let (boID, _, boEpoch) = try await session("bo@example.com")
        let (anaID, _, anaEpoch) = try await session("ana@example.com", Self.password)
        let boSession = try await team.principal(for: boID, in: org.id, epoch: boEpoch)

        let signedOut = try await team.signOut(by: boSession)
        #expect(signedOut.sessionEpoch == bo.sessionEpoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: boID, in: org.id, epoch: boEpoch) }
        // The principal resolved before the sign-out acts no further: services re-check the epoch.
        await expectWAError(.unauthenticated) { try await team.members(by: boSession) }
        await expectWAError(.unauthenticated) { try await team.signOut(by: boSession) }
        // Ana's session is hers alone.
        _ = try await team.principal(for: anaID, in: org.id, epoch: anaEpoch)
        // Bo signs in again and gets a session under the new epoch.
        let (_, _, again) = try await session("bo@example.com")
        #expect(again == signedOut.sessionEpoch)
        _ = try await team.principal(for: boID, in: org.id, epoch: again)

        let events = try await audit(org.id)
        #expect(events.contains { $0.action == "member.signed_out" && $0.resourceID == boID.description })
    }

    @Test func signOutIsForMembersOnly() async throws {
        let (_, admin) = try await organization()
        let keys = APIKeyService(environment: env)
        let issued = try await keys.issue(name: "ci", scopes: [.membersRead], by: .acting(as: admin))
        let key = try await keys.authenticate(issued.secret.reveal()).principal
        await expectWAError(.permissionDenied) { try await team.signOut(by: key) }
        #expect(try await stored(admin.id, in: admin.organizationID).sessionEpoch == 0)
    }

    @Test func passwordChangeEndsSessionsIncludingTheOneThatChangedIt() async throws {
        let (org, admin) = try await organization()
        _ = try await join("bo@example.com", .agent, by: admin)
        let (boID, _, epoch) = try await session("bo@example.com")
        let boSession = try await team.principal(for: boID, in: org.id, epoch: epoch)
        let changed = try await team.changePassword(current: Self.memberPassword, new: "a brand new passphrase 7", by: boSession)
        #expect(changed.sessionEpoch == epoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: boID, in: org.id, epoch: epoch) }
        // The issuer gives a new token for the returned member.
        _ = try await team.principal(for: boID, in: org.id, epoch: changed.sessionEpoch)
        // A wrong current password changes nothing.
        let current = try await team.principal(for: boID, in: org.id, epoch: changed.sessionEpoch)
        await expectWAError(.invalidCredentials) {
            try await team.changePassword(current: "not the password 11", new: "another passphrase 12", by: current)
        }
        #expect(try await stored(boID, in: org.id).sessionEpoch == changed.sessionEpoch)
    }

    @Test func aPasswordResetEndsSessionsButAnInvitationStartsAtZero() async throws {
        let (org, admin) = try await organization()
        let bo = try await join("bo@example.com", .agent, by: admin)
        #expect(bo.sessionEpoch == 0, "accepting an invitation ends no session: there was none")
        let (boID, _, epoch) = try await session("bo@example.com")
        let token = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "bo@example.com"))
        // Requesting a reset (anyone can) ends nothing.
        _ = try await team.principal(for: boID, in: org.id, epoch: epoch)
        let reset = try await team.resetPassword(token: token.reveal(), newPassword: "taken back passphrase 5")
        #expect(reset.sessionEpoch == epoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: boID, in: org.id, epoch: epoch) }
    }

    @Test func roleChangeDeactivationAndRemovalEndSessions() async throws {
        let (org, admin) = try await organization()
        let owner = Principal.acting(as: admin)
        _ = try await join("bo@example.com", .agent, by: admin)
        _ = try await join("cy@example.com", .viewer, by: admin)
        let (boID, _, boEpoch) = try await session("bo@example.com")
        let (cyID, _, cyEpoch) = try await session("cy@example.com")

        // A promotion ends sessions too: the member signs in again under the new role.
        let promoted = try await team.changeRole(of: boID, to: .manager, by: owner)
        #expect(promoted.sessionEpoch == boEpoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: boID, in: org.id, epoch: boEpoch) }
        let unchanged = try await team.changeRole(of: boID, to: .manager, by: owner)
        #expect(unchanged.sessionEpoch == promoted.sessionEpoch, "a role change that changes nothing ends nothing")

        let deactivated = try await team.deactivate(cyID, by: owner)
        #expect(deactivated.sessionEpoch == cyEpoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: cyID, in: org.id, epoch: cyEpoch) }
        // Reactivation brings no old session back, and a new sign-in works.
        let reactivated = try await team.reactivate(cyID, by: owner)
        #expect(reactivated.sessionEpoch == deactivated.sessionEpoch)
        await expectWAError(.unauthenticated) { try await team.principal(for: cyID, in: org.id, epoch: cyEpoch) }
        let (_, _, fresh) = try await session("cy@example.com")
        _ = try await team.principal(for: cyID, in: org.id, epoch: fresh)

        let (_, _, boNow) = try await session("bo@example.com")
        try await team.remove(boID, by: owner)
        await expectWAError(.unauthenticated) { try await team.principal(for: boID, in: org.id, epoch: boNow) }
    }

    @Test func anAdminEndsAnotherMembersSessionsWithoutDeactivatingThem() async throws {
        let (org, admin) = try await organization()
        _ = try await join("bo@example.com", .manager, by: admin)
        let bo = try await join("cy@example.com", .agent, by: admin)
        let (cyID, _, epoch) = try await session("cy@example.com")
        let manager = try await team.principal(for: try await session("bo@example.com").0, in: org.id, epoch: 0)
        await expectWAError(.permissionDenied) { try await team.endSessions(of: cyID, by: manager) }
        _ = try await team.principal(for: cyID, in: org.id, epoch: epoch)

        let ended = try await team.endSessions(of: cyID, by: .acting(as: admin))
        #expect(ended.isActive && ended.sessionEpoch == bo.sessionEpoch + 1)
        await expectWAError(.unauthenticated) { try await team.principal(for: cyID, in: org.id, epoch: epoch) }
        let event = try #require(try await audit(org.id).last)
        #expect(event.action == "member.sessions_ended" && event.resourceID == cyID.description)
        #expect(event.metadata["session_epoch"] == String(ended.sessionEpoch))
    }

    @Test func anotherOrganizationsMemberIsNoSession() async throws {
        let (org, admin) = try await organization()
        let (other, _) = try await team.createOrganization(
            name: "Other", slug: "other", adminEmail: "zed@example.com", adminName: "Zed", adminPassword: Self.password)
        await expectWAError(.unauthenticated) { try await team.principal(for: admin.id, in: other.id, epoch: 0) }
        _ = try await team.principal(for: admin.id, in: org.id, epoch: 0)
    }

    @Test func membersStoredBeforeTheEpochExistedDecodeAtZero() throws {
        let member = Member(
            id: IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: 9)).make(),
            organizationID: IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: 8)).make(),
            email: "old@example.com", displayName: "Old", role: .viewer, sessionEpoch: 5, createdAt: clock.now())
        let encoder = JSONEncoder()
        var object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(member)) as? [String: Any])
        #expect(object["sessionEpoch"] as? Int == 5)
        #expect(try JSONDecoder().decode(Member.self, from: encoder.encode(member)) == member)
        object["sessionEpoch"] = nil
        let old = try JSONDecoder().decode(Member.self, from: JSONSerialization.data(withJSONObject: object))
        var expected = member
        expected.sessionEpoch = 0
        #expect(old == expected)
    }
}
