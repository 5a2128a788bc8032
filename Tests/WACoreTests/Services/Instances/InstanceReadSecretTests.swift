import Foundation
import Testing
import WACore
import WACoreTesting

/// Issue #9, item 1: what the services return cannot carry the sealed session archive or a password hash, because
/// the read models have no such fields (the secrets live in records of their own that no service returns).
@Suite("Reads carry no stored secrets")
struct InstanceReadSecretTests {
    @Test func instanceReadsCarryNoSessionArchive() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.linkedInstance(org: org, admin: admin)
        let viewer = try await TeamService(environment: h.env).invite(
            email: "vi@example.com", displayName: "Vi", role: .viewer, by: admin
        ).member
        let got = try await h.service.get(instance.id, by: .acting(as: viewer))
        let listed = try await h.service.list(by: .acting(as: viewer)).items
        let status = try await h.service.status(instance.id, by: .acting(as: viewer))
        for json in [try Self.json(got), try Self.json(listed), try Self.json(status.instance), try Self.json(instance)] {
            #expect(!json.lowercased().contains("archive"), "\(json)")
        }
        await h.supervisor.stopAll()
    }

    @Test func membersCarryNoPasswordHash() async throws {
        let env = ServiceEnvironment.testing(clock: TestClock())
        let team = TeamService(environment: env)
        let (_, admin) = try await team.createOrganization(
            name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let (_, invitation) = try await team.invite(
            email: "vi@example.com", displayName: "Vi", role: .viewer, by: .acting(as: admin))
        let viewer = try await team.acceptInvitation(token: invitation.reveal(), password: "vi's own passphrase 1")
        let signedIn = try await team.signIn(
            organizationSlug: "acme", email: "ana@example.com", password: "correct horse battery staple")
        let members = try await team.members(by: .acting(as: viewer)).items
        #expect(members.count == 2)
        for json in [try Self.json(members), try Self.json(viewer), try Self.json(signedIn), try Self.json(admin)] {
            #expect(!json.contains("$2") && !json.lowercased().contains("hash"), "\(json)")
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
