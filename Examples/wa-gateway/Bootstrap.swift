import Foundation
import Logging
import WACore

/// The first start of `serve` on an empty store: an organization, its admin and an API key, printed once.
///
/// Nothing here is stored in clear: the password is hashed and the key's digest kept like any other. What was
/// printed cannot be shown again; a lost key is replaced through the API (or `wa-gateway admin` later).
enum Bootstrap {
    struct Credentials {
        var organization: Organization
        var admin: Member
        var password: String
        var apiKey: String
    }

    /// Creates the first organization when the store has none. Returns `nil` when there is one already (or another
    /// node created it at the same moment).
    static func ifEmpty(_ gateway: Gateway, adminEmail: String, logger: Logger) async throws -> Credentials? {
        let existing = try await gateway.environment.store.transaction(.system) {
            try await $0.organizations.all(after: nil, limit: 1)
        }
        guard existing.isEmpty else { return nil }
        let password = randomPassword(gateway.environment.random)
        let created: (organization: Organization, admin: Member)
        do {
            created = try await gateway.team.createOrganization(
                name: "Default", slug: "default", plan: .enterprise, adminEmail: adminEmail, adminName: "Admin",
                adminPassword: password)
        } catch let error as WAError where error.code == .alreadyExists {
            logger.info("another node created the first organization")
            return nil
        }
        let admin = Principal.authenticatedExternally(created.admin)
        let key = try await gateway.apiKeys.issue(name: "bootstrap", scopes: Role.admin.permissions, by: admin)
        return Credentials(
            organization: created.organization, admin: created.admin, password: password, apiKey: key.secret.reveal())
    }

    /// Prints the credentials to standard output (not the log: logs are kept and shipped, this is shown once).
    static func print(_ credentials: Credentials) {
        let text = """

            ┌ wa-gateway: first start ─────────────────────────────────────────────────────────────
            │ Created organization "\(credentials.organization.slug)" and its admin. Shown once; keep them safe.
            │   admin email:    \(credentials.admin.email)
            │   admin password: \(credentials.password)
            │   API key:        \(credentials.apiKey)
            │ Try:  curl -H "Authorization: Bearer $WA_API_KEY" http://127.0.0.1:8080/v1/me
            └──────────────────────────────────────────────────────────────────────────────────────

            """
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// 24 characters from a 56-character alphabet without look-alikes: about 139 bits.
    static func randomPassword(_ random: any RandomSource) -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = random.generator
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
