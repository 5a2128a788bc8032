import ArgumentParser
import Foundation
import Logging
import Testing
import WACore
import WACoreTesting
import WAPostgres
@testable import wa_gateway

/// The gateway's default storage: an embedded PostgreSQL and a secrets file under the data directory, which keep
/// data and sealed secrets across restarts and key rotations.
@Suite(.serialized) struct PersistentStorageTests {
    @Test func dataAndSealedSecretsSurviveRestartsAndAKeyRotation() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-data-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let options = try StorageOptions.parse(["--data-dir", dataDirectory])
        let fixtures = Fixtures(seed: 11)

        // First start: the data directory, the cluster, the database and the secrets file are created.
        let first = try await withGateway(options) { environment, applied in
            #expect(!applied.isEmpty)
            let tenant = try await TenantFixture.create(in: environment.store, using: fixtures)
            let created = try await WebhookService(environment: environment).create(
                url: "https://hooks.example.com/first", by: .acting(as: tenant.admin))
            return (tenant, created.endpoint.id, created.secret.text)
        }
        #expect(FileManager.default.fileExists(atPath: "\(dataDirectory)/secrets.json"))
        #expect(FileManager.default.fileExists(atPath: "\(dataDirectory)/postgres/pgdata/PG_VERSION"))
        #expect(!EmbeddedPostgres(configuration: .init(directory: options.embeddedPostgresDirectory)).isRunning)
        let (tenant, firstEndpoint, firstSecret) = first

        // Second start: nothing to migrate; the organization and the sealed secret are there and open.
        try await withGateway(options) { environment, applied in
            #expect(applied.isEmpty)
            let opened = try await secrets(of: firstEndpoint, in: tenant.id, environment)
            #expect(opened == [SealedSecret(keyID: 1, secret: firstSecret)])
        }

        // Rotation: key 2 seals from now on; what key 1 sealed still opens.
        let rotated = try options.secrets.rotate(random: SystemRandomSource())
        #expect(rotated.keyIDs == [2, 1])
        let second = try await withGateway(options) { environment, _ in
            let opened = try await secrets(of: firstEndpoint, in: tenant.id, environment)
            #expect(opened == [SealedSecret(keyID: 1, secret: firstSecret)])
            let created = try await WebhookService(environment: environment).create(
                url: "https://hooks.example.com/second", by: .acting(as: tenant.admin))
            return (created.endpoint.id, created.secret.text)
        }
        try await withGateway(options) { environment, _ in
            let opened = try await secrets(of: firstEndpoint, in: tenant.id, environment)
            #expect(opened == [SealedSecret(keyID: 1, secret: firstSecret)])
            let openedSecond = try await secrets(of: second.0, in: tenant.id, environment)
            #expect(openedSecond == [SealedSecret(keyID: 2, secret: second.1)])
        }

        // Without the secrets file the sealed data cannot be opened: a fresh file holds a new key 1.
        try FileManager.default.removeItem(atPath: options.secrets.path)
        try await withGateway(options) { environment, _ in
            let error = await #expect(throws: WAError.self) {
                _ = try await secrets(of: second.0, in: tenant.id, environment)
            }
            #expect(error?.code == .unknownKey)
        }
    }

    @Test func oneGatewayPerDataDirectoryAndItsServerStopsWithIt() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-data-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let options = try StorageOptions.parse(["--data-dir", dataDirectory])
        let embedded = EmbeddedPostgres(configuration: .init(directory: options.embeddedPostgresDirectory))
        let logger = Logger(label: "wa-gateway-tests")

        try await PostgresStorage.withStore(options, exclusive: true, logger: logger) { _, _ in
            // A second gateway on the same directory is refused before it touches anything.
            let refused = await #expect(throws: SetupError.self) {
                try await PostgresStorage.withStore(options, exclusive: true, logger: logger) { _, _ in }
            }
            #expect(refused?.description.contains("is using the data directory \(options.dataDirectory)") == true)
            // A command beside it (migrate) uses the running server and leaves it running.
            let applied = try await PostgresStorage.withStore(options, exclusive: false, logger: logger) { _, applied in applied }
            #expect(applied.isEmpty)
            #expect(embedded.isRunning)
        }
        #expect(!embedded.isRunning)

        // A server left running by a gateway that crashed is adopted and stopped by the next one.
        try await embedded.start()
        try await PostgresStorage.withStore(options, exclusive: true, logger: logger) { _, _ in }
        #expect(!embedded.isRunning)
    }

    // MARK: - Helpers

    /// Runs `body` on the storage a `serve` with `options` would use, with its keyring.
    private func withGateway<Result: Sendable>(
        _ options: StorageOptions, _ body: (ServiceEnvironment, _ applied: [Int]) async throws -> Result
    ) async throws -> Result {
        let keyring = try options.keyring(creatingFile: true).keyring
        return try await PostgresStorage.withStore(options, exclusive: true, logger: Logger(label: "wa-gateway-tests")) { store, applied in
            let random = SystemRandomSource()
            let environment = ServiceEnvironment(
                store: store, clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
                secretBox: SecretBox(keyring: keyring, random: random), media: store.media)
            return try await body(environment, applied)
        }
    }

    /// The endpoint's sealed secrets as (key id, secret text), opened with the environment's keyring.
    private func secrets(of endpoint: WebhookEndpointID, in organization: OrganizationID, _ environment: ServiceEnvironment)
        async throws -> [SealedSecret]
    {
        let stored = try await environment.store.transaction(.organization(organization)) { tx in
            try await tx.webhookEndpoints.get(endpoint, in: organization)
        }
        let context = SecretBox.Context(organization: organization.description, purpose: "webhook_secret")
        return try stored.sealedSecrets.map { envelope in
            let plaintext = try environment.secretBox.open(envelope, context: context)
            let object = try JSONSerialization.jsonObject(with: Data(plaintext)) as? [String: Any]
            return SealedSecret(keyID: try SecretBox.keyID(of: envelope), secret: object?["secret"] as? String ?? "")
        }
    }

    private struct SealedSecret: Equatable {
        var keyID: UInt32
        var secret: String
    }
}
