import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Organization settings and usage")
struct OrganizationSettingsTests {
    let clock = TestClock()
    let gateway: Gateway
    static let password = "correct horse battery staple"

    init() {
        gateway = Gateway(
            environment: .testing(clock: clock), transport: SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 5)))
    }

    private var env: ServiceEnvironment { gateway.environment }

    private func organization(_ slug: String = "acme", plan: Plan = .starter) async throws -> (Organization, Principal) {
        let (organization, admin) = try await gateway.team.createOrganization(
            name: "Acme", slug: slug, plan: plan, adminEmail: "ana@\(slug).example", adminName: "Ana",
            adminPassword: Self.password)
        return (organization, .acting(as: admin))
    }

    private func audit(_ org: OrganizationID) async throws -> [AuditEvent] {
        try await env.store.transaction(.organization(org)) { try await $0.auditEvents.list(in: org, page: .all).items }
    }

    @Test func everyRoleReadsTheOrganizationAndOnlyAdminsChangeIt() async throws {
        let (org, owner) = try await organization(plan: .pro)
        let viewer = try await gateway.team.invite(email: "vi@acme.example", displayName: "Vi", role: .viewer, by: owner)
        let manager = try await gateway.team.invite(email: "mo@acme.example", displayName: "Mo", role: .manager, by: owner)
        let read = try await gateway.organizations.organization(by: .acting(as: viewer.member))
        #expect(read.id == org.id && read.name == "Acme" && read.slug == "acme")
        await expectWAError(.permissionDenied) {
            try await gateway.organizations.update(.init(name: "Mine"), by: .acting(as: manager.member))
        }

        let renamed = try await gateway.organizations.update(.init(name: "  Acme Support "), by: owner)
        #expect(renamed.name == "Acme Support" && renamed.slug == "acme" && renamed.version == read.version + 1)
        let event = try #require(try await audit(org.id).last)
        #expect(event.action == "organization.updated" && event.metadata == ["name": "Acme → Acme Support"])

        // Nothing to change writes nothing.
        let same = try await gateway.organizations.update(.init(name: "Acme Support", slug: "acme"), by: owner)
        #expect(same.version == renamed.version)
        #expect(try await audit(org.id).last?.id == event.id)
    }

    @Test func aNewSlugIsWhatMembersSignInWith() async throws {
        let (org, owner) = try await organization()
        _ = try await organization("taken")
        let taken = await expectWAError(.alreadyExists) { try await gateway.organizations.update(.init(slug: "taken"), by: owner) }
        #expect(taken?.field == "slug")
        let invalid = await expectWAError(.invalidArgument) { try await gateway.organizations.update(.init(slug: "No Way"), by: owner) }
        #expect(invalid?.field == "slug")
        let blank = await expectWAError(.invalidArgument) { try await gateway.organizations.update(.init(name: " \n "), by: owner) }
        #expect(blank?.field == "name")

        let moved = try await gateway.organizations.update(.init(slug: "acme-support"), by: owner)
        #expect(moved.slug == "acme-support")
        #expect(try await audit(org.id).last?.metadata == ["slug": "acme → acme-support"])
        _ = try await gateway.team.signIn(organizationSlug: "acme-support", email: "ana@acme.example", password: Self.password)
        await expectWAError(.invalidCredentials) {
            try await gateway.team.signIn(organizationSlug: "acme", email: "ana@acme.example", password: Self.password)
        }
        // The old slug is free again.
        _ = try await organization("acme")
    }

    @Test func usageCountsWhatEachLimitIsEnforcedOn() async throws {
        let (org, owner) = try await organization(plan: .starter)
        let empty = try await gateway.organizations.usage(by: owner)
        #expect(empty.plan == .starter && !empty.hasLimitOverrides && empty.organizationID == org.id)
        #expect(empty.instances == .init(used: 0, limit: 1))
        #expect(empty.activeMembers == .init(used: 1, limit: 3))
        #expect(empty.messagesToday == .init(used: 0, limit: 1_000))
        #expect(empty.mediaStorageBytes == .init(used: 0, limit: 1 << 30))
        #expect(empty.webhookEndpoints == .init(used: 0, limit: 2))
        #expect(empty.retentionDays == 90 && empty.measuredAt == clock.now())
        #expect(empty.messagesResetAt == Date(timeIntervalSince1970: 1_767_312_000))

        _ = try await gateway.instances.create(name: "main", by: owner)
        let bo = try await gateway.team.invite(email: "bo@acme.example", displayName: "Bo", role: .agent, by: owner)
        let cy = try await gateway.team.invite(email: "cy@acme.example", displayName: "Cy", role: .viewer, by: owner)
        _ = try await gateway.team.deactivate(cy.member.id, by: owner)
        _ = try await gateway.webhooks.create(url: "https://hooks.example.com/wa", by: owner)
        _ = try await gateway.media.upload(Array("hello".utf8), declaredMIMEType: "text/plain", fileName: "a.txt", by: owner)
        // The dispatcher counts each send on the organization's daily quota; 7 sends' worth.
        _ = try await env.rateLimits.consume(
            .organizationMessages(org.id), quota: DailyQuota(limit: 1_000), quantity: 7, now: RateLimitInstant(clock.now()))

        let used = try await gateway.organizations.usage(by: .acting(as: bo.member))
        #expect(used.instances == .init(used: 1, limit: 1) && used.instances.isExhausted && used.instances.remaining == 0)
        #expect(used.activeMembers == .init(used: 2, limit: 3), "a deactivated member holds no seat")
        #expect(used.messagesToday == .init(used: 7, limit: 1_000) && used.messagesToday.remaining == 993)
        #expect(used.mediaStorageBytes.used == 5)
        #expect(used.webhookEndpoints == .init(used: 1, limit: 2))

        // The message count starts again at 00:00 UTC.
        clock.advance(by: .seconds(86_400))
        let tomorrow = try await gateway.organizations.usage(by: owner)
        #expect(tomorrow.messagesToday.used == 0)
        #expect(tomorrow.messagesResetAt == Date(timeIntervalSince1970: 1_767_398_400))
    }

    @Test func usageFollowsLimitOverrides() async throws {
        let (org, owner) = try await organization(plan: .starter)
        _ = try await env.store.transaction(.organization(org.id)) { tx in
            try await tx.organizations.modify(org.id, in: org.id) {
                $0.limitOverrides = PlanLimits(
                    instances: 4, members: 9, messagesPerDay: 50, mediaStorageBytes: 1_000, webhookEndpoints: 0)
            }
        }
        let usage = try await gateway.organizations.usage(by: owner)
        #expect(usage.hasLimitOverrides && usage.plan == .starter)
        #expect(usage.instances.limit == 4 && usage.activeMembers.limit == 9 && usage.messagesToday.limit == 50)
        #expect(usage.mediaStorageBytes.limit == 1_000 && usage.retentionDays == nil)
        #expect(usage.webhookEndpoints.isExhausted)
    }

    @Test func aKeyWithoutTheScopeReadsNothing() async throws {
        let (_, owner) = try await organization()
        let issued = try await gateway.apiKeys.issue(name: "ci", scopes: [.messagesSend], by: owner)
        let key = try await gateway.apiKeys.authenticate(issued.secret.reveal()).principal
        await expectWAError(.permissionDenied) { try await gateway.organizations.usage(by: key) }
        await expectWAError(.permissionDenied) { try await gateway.organizations.organization(by: key) }
    }
}
