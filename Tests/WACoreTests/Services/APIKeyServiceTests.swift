import Crypto
import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("API key service")
struct APIKeyServiceTests {
    let fixtures = Fixtures()
    let store = MemoryStore()
    let service: APIKeyService

    init() {
        service = APIKeyService(
            store: store, clock: fixtures.clock, random: SeededRandomSource(seed: 99), ids: fixtures.ids,
            lastUsedResolution: .seconds(60))
    }

    private func tenant() async throws -> TenantFixture {
        try await TenantFixture.create(in: store, using: fixtures)
    }

    private func addMember(_ role: Role, to t: TenantFixture, assigned: Set<InstanceID> = []) async throws -> Member {
        var member = fixtures.member(in: t.id, role: role)
        member.assignedInstances = assigned
        return try await store.transaction(.organization(t.id)) { try await $0.members.insert(member) }
    }

    @Test func issuedKeysAuthenticateWithTheirScopes() async throws {
        let t = try await tenant()
        let issued = try await service.issue(
            name: " CRM sync ", scopes: [.messagesSend, .messagesRead], by: .acting(as: t.admin))
        let text = issued.secret.reveal()
        #expect(text.hasPrefix("wa_live_"))
        #expect(issued.record.name == "CRM sync")
        #expect(issued.record.digest == Array(SHA256.hash(data: Array(text.utf8))))
        #expect(issued.record.hint == String(text.suffix(4)))
        #expect(issued.record.lookupID == issued.secret.lookupID)

        let (principal, key) = try await service.authenticate(text)
        #expect(key.id == issued.record.id)
        #expect(principal.kind == .apiKey(issued.record.id, createdBy: t.admin.id))
        #expect(principal.permissions == [.messagesSend, .messagesRead])
        #expect(AccessPolicy().decide(principal, .messagesSend, on: .organization(t.id)) == .allow)
        #expect(AccessPolicy().decide(principal, .contactsManage, on: .organization(t.id)) == .deny(.outsideScope))
    }

    @Test func lastUsedIsRecordedAtMostOncePerResolution() async throws {
        let t = try await tenant()
        let issued = try await service.issue(name: "k", scopes: [.messagesRead], by: .acting(as: t.admin))
        let first = try await service.authenticate(issued.secret.reveal()).key
        #expect(first.lastUsedAt == fixtures.clock.now())
        fixtures.clock.advance(by: .seconds(30))
        let second = try await service.authenticate(issued.secret.reveal()).key
        #expect(second.lastUsedAt == first.lastUsedAt && second.version == first.version)
        fixtures.clock.advance(by: .seconds(31))
        let third = try await service.authenticate(issued.secret.reveal()).key
        #expect(third.lastUsedAt == fixtures.clock.now() && third.version == first.version + 1)
    }

    @Test func unknownTyposAndWrongSecretsAreAllInvalidCredentials() async throws {
        let t = try await tenant()
        let issued = try await service.issue(name: "k", scopes: [.messagesRead], by: .acting(as: t.admin))
        let text = issued.secret.reveal()
        let neverStored = APIKeySecret.generate(environment: .live, using: SeededRandomSource(seed: 5)).reveal()
        var typo = Array(text)
        typo[30] = typo[30] == "a" ? "b" : "a"
        for presented in [neverStored, String(typo), "", "Bearer \(text)", text + "x", "wa_live_garbage"] {
            let error = await expectWAError(.invalidCredentials) { try await service.authenticate(presented) }
            #expect(error?.message.contains(text) == false)
        }
        // A stored digest that does not match the presented secret (a forged key reusing a real lookup id).
        try await store.transaction(.organization(t.id)) { tx in
            var key = try await tx.apiKeys.get(issued.record.id, in: t.id)
            key.digest = Array(SHA256.hash(data: Array("something else".utf8)))
            _ = try await tx.apiKeys.update(key)
        }
        await expectWAError(.invalidCredentials) { try await service.authenticate(text) }
    }

    @Test func expiry() async throws {
        let t = try await tenant()
        let expiresAt = fixtures.clock.now().addingTimeInterval(3600)
        let issued = try await service.issue(name: "k", scopes: [.messagesRead], expiresAt: expiresAt, by: .acting(as: t.admin))
        fixtures.clock.set(expiresAt.addingTimeInterval(-0.001))
        _ = try await service.authenticate(issued.secret.reveal())
        fixtures.clock.set(expiresAt)
        await expectWAError(.apiKeyExpired) { try await service.authenticate(issued.secret.reveal()) }
        let past = await expectWAError(.invalidArgument) {
            try await service.issue(name: "k", scopes: [.messagesRead], expiresAt: expiresAt, by: .acting(as: t.admin))
        }
        #expect(past?.field == "expires_at")
    }

    @Test func revocation() async throws {
        let t = try await tenant()
        let agent = try await addMember(.agent, to: t)
        let other = try await addMember(.agent, to: t)
        let issued = try await service.issue(name: "k", scopes: [.messagesSend], by: .acting(as: agent))
        await expectWAError(.permissionDenied) { try await service.revoke(issued.record.id, by: .acting(as: other)) }
        _ = try await service.authenticate(issued.secret.reveal())

        let revoked = try await service.revoke(issued.record.id, by: .acting(as: agent))
        #expect(revoked.revokedAt == fixtures.clock.now())
        let again = try await service.revoke(issued.record.id, by: .acting(as: t.admin))
        #expect(again.revokedAt == revoked.revokedAt && again.version == revoked.version)
        await expectWAError(.apiKeyRevoked) { try await service.authenticate(issued.secret.reveal()) }

        let audit = try await store.transaction(.organization(t.id)) {
            try await $0.auditEvents.list(in: t.id, where: .init(resourceID: issued.record.id.description), page: .all)
        }
        #expect(audit.items.map(\.action) == ["api_key.created", "api_key.revoked"])
        #expect(audit.items.map(\.actor) == [.member(agent.id), .member(agent.id)])
    }

    @Test func rotationIssuesANewKeyAndRetiresTheOldOne() async throws {
        let t = try await tenant()
        let agent = try await addMember(.agent, to: t)
        let other = try await addMember(.agent, to: t)
        let expiry = fixtures.clock.now().addingTimeInterval(90 * 86_400)
        let issued = try await service.issue(name: "CRM", scopes: [.messagesSend], expiresAt: expiry, by: .acting(as: agent))

        // At once: the old key stops working, the new one acts for the same member with the same scopes.
        await expectWAError(.permissionDenied) { try await service.rotate(issued.record.id, by: .acting(as: other)) }
        let rotated = try await service.rotate(issued.record.id, by: .acting(as: agent))
        #expect(rotated.secret.reveal() != issued.secret.reveal())
        #expect(rotated.record.name == "CRM" && rotated.record.scopes == [.messagesSend])
        #expect(rotated.record.createdBy == agent.id && rotated.record.expiresAt == expiry)
        await expectWAError(.apiKeyRevoked) { try await service.authenticate(issued.secret.reveal()) }
        let (principal, _) = try await service.authenticate(rotated.secret.reveal())
        #expect(principal.memberID == agent.id && principal.permissions == [.messagesSend])
        await expectWAError(.apiKeyRevoked) { try await service.rotate(issued.record.id, by: .acting(as: agent)) }

        // Not even an admin rotates another member's key (the new secret would act for that member).
        await expectWAError(.permissionDenied) { try await service.rotate(rotated.record.id, by: .acting(as: t.admin)) }

        // With an overlap: both work until the overlap ends; the old one cannot be rotated a second time.
        let overlapped = try await service.rotate(rotated.record.id, overlap: .seconds(3_600), by: .acting(as: agent))
        #expect(overlapped.record.createdBy == agent.id)
        _ = try await service.authenticate(rotated.secret.reveal())
        await expectWAError(.apiKeyRevoked) {
            try await service.rotate(rotated.record.id, overlap: .seconds(60), by: .acting(as: agent))
        }
        fixtures.clock.advance(by: .seconds(3_600))
        await expectWAError(.apiKeyExpired) { try await service.authenticate(rotated.secret.reveal()) }
        _ = try await service.authenticate(overlapped.secret.reveal())
        await expectWAError(.invalidArgument) {
            try await service.rotate(overlapped.record.id, overlap: .seconds(31 * 86_400), by: .acting(as: agent))
        }

        let audit = try await store.transaction(.organization(t.id)) {
            try await $0.auditEvents.list(in: t.id, where: .init(action: "api_key.rotated"), page: .all).items
        }
        #expect(Set(audit.map(\.resourceID)) == [issued.record.id.description, rotated.record.id.description])
        #expect(audit.allSatisfy { $0.metadata["new_key_id"] != nil && !$0.metadata.values.contains(overlapped.secret.reveal()) })
    }

    /// Another organization's key is `not_found` for every caller, a key principal included; a key never rotates
    /// one of its own organization's (`permission_denied`).
    @Test func rotatingAnotherOrganizationsKeyFindsNothing() async throws {
        let t = try await tenant()
        let other = try await tenant()
        let issued = try await service.issue(name: "CRM", scopes: [.messagesSend], by: .acting(as: t.admin))
        let strangersKey = try await service.issue(name: "theirs", scopes: [.messagesSend], by: .acting(as: other.admin))
        let (keyPrincipal, _) = try await service.authenticate(strangersKey.secret.reveal())
        await expectWAError(.notFound) { try await service.rotate(issued.record.id, by: .acting(as: other.admin)) }
        await expectWAError(.notFound) { try await service.rotate(issued.record.id, by: keyPrincipal) }
        await expectWAError(.permissionDenied) { try await service.rotate(strangersKey.record.id, by: keyPrincipal) }
        _ = try await service.authenticate(issued.secret.reveal())
    }

    @Test func keysNeverExceedTheirCreator() async throws {
        let t = try await tenant()
        let instance = t.instance
        let agent = try await addMember(.agent, to: t, assigned: [instance.id])
        await expectWAError(.scopeExceedsCreator) {
            try await service.issue(name: "k", scopes: [.messagesSend, .auditRead], by: .acting(as: agent))
        }
        let issued = try await service.issue(name: "k", scopes: [.messagesSend], by: .acting(as: agent))
        let (principal, _) = try await service.authenticate(issued.secret.reveal())
        #expect(AccessPolicy().decide(principal, .messagesSend, on: .instance(instance.id, in: t.id)) == .allow)
        let unassigned = fixtures.instance(in: t.id).id
        #expect(
            AccessPolicy().decide(principal, .messagesSend, on: .instance(unassigned, in: t.id))
                == .deny(.instanceNotAssigned))

        // A key cannot mint keys, even with the scope.
        await expectWAError(.permissionDenied) {
            try await service.issue(name: "k2", scopes: [.messagesSend], by: principal)
        }

        // Deactivating the creator stops the key.
        try await store.transaction(.organization(t.id)) { tx in
            var m = try await tx.members.get(agent.id, in: t.id)
            m.isActive = false
            _ = try await tx.members.update(m)
        }
        await expectWAError(.unauthenticated) { try await service.authenticate(issued.secret.reveal()) }
    }

    @Test func listingShowsOwnKeysUnlessManagingAll() async throws {
        let t = try await tenant()
        let agent = try await addMember(.agent, to: t)
        let mine = try await service.issue(name: "mine", scopes: [.messagesSend], by: .acting(as: agent))
        let admins = try await service.issue(name: "admin's", scopes: [.auditRead], by: .acting(as: t.admin))
        #expect(try await service.list(by: .acting(as: agent)).items.map(\.id) == [mine.record.id])
        #expect(Set(try await service.list(by: .acting(as: t.admin)).items.map(\.id)) == [mine.record.id, admins.record.id])
        try await service.revoke(mine.record.id, by: .acting(as: agent))
        #expect(try await service.list(by: .acting(as: agent)).items.isEmpty)
        #expect(try await service.list(by: .acting(as: agent), includeRevoked: true).items.count == 1)
    }

    @Test func neitherTheKeyNorItsDigestAppearsInDescriptionsOrAudit() async throws {
        let t = try await tenant()
        let issued = try await service.issue(name: "k", scopes: [.messagesRead], by: .acting(as: t.admin))
        let text = issued.secret.reveal()
        let secretPart = String(text.dropFirst(19))  // after "wa_live_<10>_"
        let digestHex = issued.record.digest.map { String(format: "%02x", $0) }.joined()
        var dumped = ""
        dump(issued, to: &dumped)
        var dumpedRecord = ""
        dump(issued.record, to: &dumpedRecord)
        let renderings = [
            String(describing: issued), String(reflecting: issued), "\(issued.record)", String(reflecting: issued.record),
            String(describing: issued.secret), dumped, dumpedRecord,
        ]
        for rendering in renderings {
            #expect(!rendering.contains(secretPart))
            #expect(!rendering.contains(String(digestHex.prefix(16))))
            #expect(!rendering.contains("\(issued.record.digest.prefix(4))".dropFirst().dropLast()))
        }
        let audit = try await store.transaction(.organization(t.id)) {
            try await $0.auditEvents.list(in: t.id, page: .all)
        }
        for event in audit.items {
            #expect(!event.metadata.values.contains { $0.contains(secretPart) || $0.contains(digestHex) })
        }
    }
}
