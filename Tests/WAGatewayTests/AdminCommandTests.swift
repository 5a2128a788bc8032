import ArgumentParser
import Foundation
import Logging
import Testing
import WACore
import WAPostgres
@testable import wa_gateway

/// `wa-gateway admin` on the gateway's default storage (an embedded PostgreSQL under a data directory), and the
/// account-notifications file that reset tokens reach.
@Suite(.serialized) struct AdminCommandTests {
    @Test func anOperatorCreatesAnOrganizationAKeyAndAPasswordReset() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-admin-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let common = ["--data-dir", dataDirectory]

        try await Admin.CreateOrganization.parse(
            common + ["--name", "Acme", "--slug", "acme", "--plan", "pro", "--admin-email", "Ops@Acme.example"]
        ).run()
        try await Admin.CreateKey.parse(common + ["--organization", "acme", "--email", "ops@acme.example", "--name", "ops"])
            .run()
        try await Admin.ResetPassword.parse(common + ["--organization", "acme", "--email", "ops@acme.example"]).run()

        // The reset token reached the notifications file, owner-only, one JSON line.
        let file = "\(dataDirectory)/\(FileAccountNotifier.defaultName)"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let line = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(line["kind"] as? String == "password_reset")
        #expect(line["organization"] as? String == "acme")
        #expect(line["email"] as? String == "ops@acme.example")
        let token = try #require(line["token"] as? String)

        let options = try StorageOptions.parse(common)
        let keyring = try options.keyring(creatingFile: false).keyring
        try await PostgresStorage.withStore(options, exclusive: false, logger: Logger(label: "test")) { store, _ in
            let found = try await store.transaction(.system) { tx -> (Organization, Member?, [APIKey])? in
                guard let organization = try await tx.organizations.find(slug: "acme") else { return nil }
                let member = try await tx.members.find(email: "ops@acme.example", in: organization.id)
                let keys = try await tx.apiKeys.list(in: organization.id, where: .init(), page: .first).items
                return (organization, member, keys)
            }
            let (organization, foundMember, keys) = try #require(found)
            let member = try #require(foundMember)
            #expect(organization.plan == .pro)
            #expect(member.role == .admin)
            #expect(Set(keys.map(\.name)) == ["admin-cli", "ops"])
            // The token from the file sets a new password.
            let random = SystemRandomSource()
            let environment = ServiceEnvironment(
                store: store, clock: SystemWallClock(), random: random,
                passwordHasher: BcryptPasswordHasher(), secretBox: SecretBox(keyring: keyring, random: random),
                media: store.media)
            let team = TeamService(environment: environment)
            _ = try await team.resetPassword(token: token, newPassword: "a brand new long passphrase")
            let signedIn = try await team.signIn(
                organizationSlug: "acme", email: "ops@acme.example", password: "a brand new long passphrase")
            #expect(signedIn.id == member.id)
        }

        // A member who does not exist is an operator's error, said plainly.
        await #expect(throws: SetupError.self) {
            try await Admin.ResetPassword.parse(common + ["--organization", "acme", "--email", "nobody@acme.example"])
                .run()
        }
        #expect(throws: (any Error).self) {
            _ = try Admin.CreateKey.parse(["--store", "memory", "--organization", "acme", "--email", "x@acme.example"])
        }
    }
}
