import ArgumentParser
import Foundation
import Logging
import WACore
import WAHTTP
import WAPostgres

/// `wa-gateway admin`: what an operator with access to the gateway's database does outside the API: create
/// organizations, issue an API key for a member who lost theirs, start a password reset. It works on the same
/// PostgreSQL store as `serve` (embedded or `--database-url`), beside a running gateway or without one. Secrets are
/// printed once to standard output, never logged.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create organizations, API keys and password resets from the command line.",
        subcommands: [CreateOrganization.self, CreateKey.self, ResetPassword.self]
    )

    /// `wa-gateway admin create-organization`.
    struct CreateOrganization: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organization with its first admin; prints the admin's password and an API key once.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "The organization's display name.") var name: String
        @Option(help: "Its slug: lower-case letters, digits and hyphens; members sign in with it.") var slug: String
        @Option(help: "Billing plan: starter, pro or enterprise.") var plan: String = Plan.starter.rawValue
        @Option(help: "The first admin's e-mail address.") var adminEmail: String
        @Option(help: "The first admin's display name.") var adminName: String = "Admin"

        func validate() throws {
            try Admin.requirePostgres(storage)
            guard Plan(rawValue: plan) != nil else { throw ValidationError("--plan must be starter, pro or enterprise") }
        }

        func run() async throws {
            try await Admin.withGateway(storage) { _, team, apiKeys, random in
                let password = Bootstrap.randomPassword(random)
                let (organization, admin) = try await team.createOrganization(
                    name: name, slug: slug, plan: Plan(rawValue: plan) ?? .starter, adminEmail: adminEmail,
                    adminName: adminName, adminPassword: password)
                let key = try await apiKeys.issue(
                    name: "admin-cli", scopes: Role.admin.permissions, by: .authenticatedExternally(admin))
                print("""
                    Created organization "\(organization.slug)" (\(organization.id)) on plan \(organization.plan).
                    Shown once; keep them safe.
                      admin email:    \(admin.email)
                      admin password: \(password)
                      API key:        \(key.secret.reveal())
                    """)
            }
        }
    }

    /// `wa-gateway admin create-key`.
    struct CreateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API key acting for a member, with their role's permissions; prints it once.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "The organization's slug.") var organization: String
        @Option(help: "The member's e-mail address.") var email: String
        @Option(help: "A name for the key, shown in key lists.") var name: String = "admin-cli"

        func validate() throws { try Admin.requirePostgres(storage) }

        func run() async throws {
            try await Admin.withGateway(storage) { store, _, apiKeys, _ in
                let member = try await Admin.member(email: email, organization: organization, in: store)
                let key = try await apiKeys.issue(
                    name: name, scopes: member.role.permissions, by: .authenticatedExternally(member))
                print("API key for \(member.email) (\(member.role.rawValue)) in \(organization), shown once:")
                print("  \(key.secret.reveal())")
            }
        }
    }

    /// `wa-gateway admin reset-password`.
    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a password reset for a member; prints the single-use reset token once.",
            discussion: """
                The member sets a new password with the token at POST /v1/auth/password-reset/confirm. The token \
                ends after an hour, when used, and when another reset is requested.
                """)

        @OptionGroup var storage: StorageOptions
        @Option(help: "The organization's slug.") var organization: String
        @Option(help: "The member's e-mail address.") var email: String

        func validate() throws { try Admin.requirePostgres(storage) }

        func run() async throws {
            try await Admin.withGateway(storage) { _, team, _, _ in
                guard let token = try await team.requestPasswordReset(organizationSlug: organization, email: email)
                else {
                    throw SetupError("\(organization) has no active member \(email)")
                }
                print("Password-reset token for \(email) in \(organization), valid for an hour, shown once:")
                print("  \(token.reveal())")
            }
        }
    }

    static func requirePostgres(_ storage: StorageOptions) throws {
        guard storage.store == .postgres else {
            throw ValidationError("admin works on the gateway's PostgreSQL store (--store memory keeps nothing to administer)")
        }
    }

    /// Runs `body` with the gateway's store and the team and API-key services over it.
    static func withGateway(
        _ storage: StorageOptions,
        _ body: (any Store, TeamService, APIKeyService, any RandomSource) async throws -> Void
    ) async throws {
        var logger = Logger(label: "wa-gateway")
        logger.logLevel = .warning
        let keyring = try storage.keyring(creatingFile: true).keyring
        try await PostgresStorage.withStore(storage, exclusive: false, logger: logger) { store, _ in
            let random = SystemRandomSource()
            var environment = ServiceEnvironment(
                store: store, clock: SystemWallClock(), random: random, passwordHasher: BcryptPasswordHasher(),
                secretBox: SecretBox(keyring: keyring, random: random), media: store.media, logger: logger)
            environment.blockingWork = ThreadPoolBlockingWorkRunner()
            // The operator sees the token here; the notifications file gets it too, like a reset asked over HTTP.
            environment.accountNotifier = FileAccountNotifier(
                path: "\(storage.dataDirectory)/\(FileAccountNotifier.defaultName)")
            try await body(store, TeamService(environment: environment), APIKeyService(environment: environment), random)
        }
    }

    /// The active member with `email` in the organization with slug `organization`.
    static func member(email: String, organization: String, in store: any Store) async throws -> Member {
        let member = try await store.transaction(.system) { tx -> Member? in
            guard let org = try await tx.organizations.find(slug: organization) else { return nil }
            return try await tx.members.find(email: email.lowercased(), in: org.id)
        }
        guard let member, member.isActive else { throw SetupError("\(organization) has no active member \(email)") }
        return member
    }
}
