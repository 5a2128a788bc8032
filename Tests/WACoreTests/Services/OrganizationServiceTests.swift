import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Organization deletion")
struct OrganizationServiceTests {
    @Test func anAdminDeletesTheOrganizationWithEverythingItOwnsAndNothingElse() async throws {
        let clock = TestClock()
        let whatsapp = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 3))
        let gateway = Gateway(environment: .testing(clock: clock), transport: whatsapp)
        let env = gateway.environment
        func organization(_ slug: String) async throws -> (Organization, Principal, Instance, MediaObject, String) {
            let (organization, admin) = try await gateway.team.createOrganization(
                name: slug, slug: slug, adminEmail: "owner@\(slug).example", adminName: "Owner",
                adminPassword: "correct horse battery staple")
            let owner = Principal.acting(as: admin)
            let phone = whatsapp.addPhone(try PhoneNumber("+49 170 000000\(slug.count)"), name: slug)
            let account = try await gateway.instances.create(name: "main", warmUp: .disabled, by: owner)
            try await gateway.link(account.id, with: phone, by: owner)
            _ = try await gateway.contacts.create(phone: try PhoneNumber("+49 170 1234567"), name: "Ada", by: owner)
            let media = try await gateway.media.upload(
                Array("hello".utf8), declaredMIMEType: "text/plain", fileName: "a.txt", by: owner)
            let key = try await gateway.apiKeys.issue(name: "ci", scopes: [.messagesSend], by: owner)
            return (organization, owner, account, media, key.secret.reveal())
        }
        let (doomed, owner, account, media, key) = try await organization("doomed")
        let (kept, keptOwner, _, keptMedia, keptKey) = try await organization("kept")
        #expect(gateway.supervisor.isRunning(account.id))

        // Only admins, and only with the slug typed in.
        let manager = try await gateway.team.invite(email: "m@doomed.example", displayName: "M", role: .manager, by: owner)
        await expectWAError(.permissionDenied) {
            try await gateway.organizations.delete(confirmingSlug: "doomed", by: .acting(as: manager.member))
        }
        let wrong = await expectWAError(.invalidArgument) {
            try await gateway.organizations.delete(confirmingSlug: "kept", by: owner)
        }
        #expect(wrong?.field == "slug")

        let deletion = try await gateway.organizations.delete(confirmingSlug: "doomed", by: owner)
        #expect(deletion.organizationID == doomed.id && deletion.instances == 1)
        #expect(!gateway.supervisor.isRunning(account.id))
        let gone = try await env.store.transaction(.system) { tx in
            (
                try await tx.organizations.find(doomed.id, in: doomed.id),
                try await tx.instances.count(in: doomed.id, where: .init()),
                try await tx.contacts.count(in: doomed.id, where: .init()),
                try await tx.auditEvents.count(in: doomed.id, where: .init())
            )
        }
        #expect(gone.0 == nil && gone.1 == 0 && gone.2 == 0 && gone.3 == 0)
        await expectWAError(.notFound) { try await env.media.byteCount(of: media.id, in: doomed.id) }
        let refused = await #expect(throws: WAError.self) { try await gateway.apiKeys.authenticate(key) }
        #expect(refused?.code == .invalidCredentials || refused?.code == .unauthenticated)

        // The other organization is untouched.
        #expect(try await gateway.media.bytes(of: keptMedia.id, by: keptOwner).1 == Array("hello".utf8))
        #expect(try await gateway.apiKeys.authenticate(keptKey).principal.organizationID == kept.id)
        #expect(try await gateway.contacts.list(by: keptOwner).items.count == 1)
    }
}
