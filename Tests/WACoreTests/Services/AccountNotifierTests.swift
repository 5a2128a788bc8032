import Foundation
import Logging
import Synchronization
import Testing
import WACore
import WACoreTesting

/// Invitation and reset tokens reach members through the environment's notifier, after the transaction commits,
/// so that an API never has to return them; members read back carry no secret.
@Suite("Account notifications and member reads")
struct AccountNotifierTests {
    let clock = TestClock()
    let env: ServiceEnvironment
    let team: TeamService
    let notifier: RecordingAccountNotifier
    static let password = "correct horse battery staple"

    init() throws {
        env = .testing(clock: clock)
        team = TeamService(environment: env)
        notifier = try #require(env.accountNotifier as? RecordingAccountNotifier)
    }

    private func organization(_ slug: String = "acme") async throws -> (Organization, Member) {
        try await team.createOrganization(
            name: "Acme", slug: slug, adminEmail: "ana@\(slug).example", adminName: "Ana", adminPassword: Self.password)
    }

    @Test func anInvitationGoesToTheNotifierWithAUsableToken() async throws {
        let (org, admin) = try await organization()
        #expect(notifier.notifications.isEmpty, "creating an organization notifies nobody")
        let (member, returned) = try await team.invite(
            email: "Bo@Example.com", displayName: "Bo", role: .agent, by: .acting(as: admin))
        let sent = try #require(notifier.last(for: "bo@example.com"))
        #expect(notifier.notifications.count == 1)
        #expect(sent.kind == .invitation && sent.member.id == member.id && sent.organization.id == org.id)
        #expect(sent.organization.slug == "acme" && sent.requestedBy == .member(admin.id))
        #expect(sent.expiresAt == clock.now().addingTimeInterval(7 * 86_400))
        #expect(sent.token.reveal() == returned.reveal(), "library users still get the token")
        #expect(!String(describing: sent).contains(returned.reveal()))
        let joined = try await team.acceptInvitation(token: sent.token.reveal(), password: "bo's own passphrase 1")
        #expect(joined.id == member.id)
    }

    @Test func aResetRequestNotifiesOnlyARealActiveMemberAndAnswersTheSame() async throws {
        let (_, admin) = try await organization()
        #expect(try await team.requestPasswordReset(organizationSlug: "acme", email: "nobody@acme.example") == nil)
        #expect(try await team.requestPasswordReset(organizationSlug: "nope", email: "ana@acme.example") == nil)
        #expect(notifier.notifications.isEmpty)
        let token = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "ANA@acme.example"))
        let sent = try #require(notifier.notifications.last)
        #expect(sent.kind == .passwordReset && sent.member.id == admin.id && sent.requestedBy == nil)
        #expect(sent.token.reveal() == token.reveal())
        #expect(sent.expiresAt == clock.now().addingTimeInterval(3_600))
        _ = try await team.resetPassword(token: sent.token.reveal(), newPassword: "a fresh passphrase 77")
    }

    @Test func aFailingNotifierUndoesNothingAndChangesNoAnswer() async throws {
        var env = self.env
        let failing = RecordingAccountNotifier(failingWith: WAError(.internalError, "smtp down"))
        env.accountNotifier = failing
        let team = TeamService(environment: env)
        let (org, admin) = try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@acme.example", adminName: "Ana", adminPassword: Self.password)
        let (member, token) = try await team.invite(email: "bo@acme.example", displayName: "Bo", role: .agent, by: .acting(as: admin))
        #expect(failing.notifications.count == 1)
        let stored = try await env.store.transaction(.organization(org.id)) { try await $0.members.find(member.id, in: org.id) }
        #expect(stored != nil, "the invitation stands")
        #expect(try await team.requestPasswordReset(organizationSlug: "acme", email: "ana@acme.example") != nil)
        _ = try await team.acceptInvitation(token: token.reveal(), password: "bo's own passphrase 2")
    }

    @Test func theLoggingNotifierLogsTheTokenForTheOperator() async throws {
        let (org, admin) = try await organization()
        let records = LogRecords()
        let logger = Logger(label: LoggingAccountNotifier.label) { _ in RecordingLogHandler(records: records) }
        let (member, token) = try await team.invite(email: "bo@acme.example", displayName: "Bo", role: .agent, by: .acting(as: admin))
        let notification = try #require(notifier.last(for: member.email))
        try await LoggingAccountNotifier(logger: logger).deliver(notification)
        let entry = try #require(records.entries.first)
        #expect(records.entries.count == 1 && entry.level == .notice)
        #expect(entry.message.contains("bo@acme.example") && entry.message.contains("acme"))
        #expect(!entry.message.contains(token.reveal()), "the message line itself holds no token")
        #expect(entry.metadata["token"] == .string(token.reveal()))
        #expect(entry.metadata["kind"] == .string("invitation"))
        #expect(entry.metadata["organization_id"] == .string(org.id.description))
        #expect(entry.metadata["member_id"] == .string(member.id.description))
    }

    @Test func aDefaultEnvironmentLogsNotificationsAndDiscardingDeliversNothing() async throws {
        let plain = ServiceEnvironment.inMemory(clock: clock, random: SeededRandomSource(seed: 4))
        #expect(plain.accountNotifier is LoggingAccountNotifier)
        let (_, admin) = try await organization()
        let (_, token) = try await team.invite(email: "bo@acme.example", displayName: "Bo", role: .agent, by: .acting(as: admin))
        try await DiscardingAccountNotifier().deliver(try #require(notifier.last(for: "bo@acme.example")))
        #expect(!token.reveal().isEmpty)
    }

    @Test func aMemberIsReadByIDWithinTheOrganizationOnly() async throws {
        let (org, admin) = try await organization()
        let (other, otherAdmin) = try await organization("other")
        let (viewer, invitation) = try await team.invite(
            email: "vi@acme.example", displayName: "Vi", role: .viewer, by: .acting(as: admin))
        _ = try await team.acceptInvitation(token: invitation.reveal(), password: "vi's own passphrase 3")
        let asViewer = try await team.authenticate(
            organizationSlug: "acme", email: "vi@acme.example", password: "vi's own passphrase 3").principal
        let read = try await team.member(admin.id, by: asViewer)
        #expect(read.id == admin.id && read.email == "ana@acme.example" && read.organizationID == org.id)
        await expectWAError(.notFound) { try await team.member(otherAdmin.id, by: asViewer) }
        await expectWAError(.notFound) { try await team.member(viewer.id, by: .acting(as: otherAdmin)) }
        #expect(other.id != org.id)
        // A key without members:read does not read members.
        let keys = APIKeyService(environment: env)
        let issued = try await keys.issue(name: "ci", scopes: [.messagesRead], by: .acting(as: admin))
        let key = try await keys.authenticate(issued.secret.reveal()).principal
        await expectWAError(.permissionDenied) { try await team.member(admin.id, by: key) }
    }

    @Test func memberReadsCarryNoPasswordHashNorToken() async throws {
        let (org, admin) = try await organization()
        let (_, invitation) = try await team.invite(email: "bo@acme.example", displayName: "Bo", role: .agent, by: .acting(as: admin))
        let hash = try #require(
            try await env.store.transaction(.organization(org.id)) {
                try await $0.memberCredentials.passwordHash(of: admin.id, in: org.id)
            })
        let listed = try await team.members(by: .acting(as: admin)).items
        let one = try await team.member(admin.id, by: .acting(as: admin))
        let json = String(decoding: try JSONEncoder().encode(listed + [one]), as: UTF8.self)
        #expect(listed.count == 2)
        #expect(!json.contains(hash) && !json.localizedCaseInsensitiveContains("password"))
        #expect(!json.contains(invitation.reveal()) && !json.contains(String(invitation.reveal().dropFirst(4))))
    }
}
