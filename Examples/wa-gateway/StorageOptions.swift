import ArgumentParser
import Foundation
import WACore
import WAPostgres

/// Where the gateway keeps its data and its keys: the options `serve`, `migrate` and `keys` share.
///
/// By default everything lives under `./wa-data`: an embedded PostgreSQL in `postgres/` and the secrets file
/// `secrets.json`. `--database-url` points at an external server instead; `--store memory` keeps nothing.
struct StorageOptions: ParsableArguments {
    static let environment = ProcessInfo.processInfo.environment

    @Option(help: "Storage: postgres (embedded under --data-dir, or --database-url) or memory, which keeps nothing (env WA_STORE).")
    var store: StoreKind = StoreKind(rawValue: environment["WA_STORE"] ?? "") ?? .postgres

    @Option(help: "Directory of the embedded PostgreSQL and the secrets file (env WA_DATA_DIR).")
    var dataDir: String = environment["WA_DATA_DIR"] ?? "./wa-data"

    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "An external PostgreSQL instead of the embedded one: postgres://user:password@host:5432/database (env WA_DATABASE_URL; prefer the variable, a password on the command line is visible to other users).",
            valueName: "url"))
    var databaseURLOption: String?

    @Option(name: .customLong("secrets-file"), help: "The secrets file (env WA_SECRETS_FILE; default <data-dir>/secrets.json). WA_KEYRING, when set, replaces it.")
    var secretsFileOption: String?

    /// The kinds of storage.
    enum StoreKind: String, ExpressibleByArgument, CaseIterable {
        case postgres
        case memory
    }

    func validate() throws {
        if let value = Self.environment["WA_STORE"], !value.isEmpty, StoreKind(rawValue: value) == nil {
            throw ValidationError("WA_STORE must be postgres or memory, not \(value)")
        }
        if store == .memory, databaseURL != nil {
            throw ValidationError("--database-url needs --store postgres (the default)")
        }
        if let databaseURL {
            do {
                _ = try PostgresConnectionSettings(url: databaseURL)
            } catch {
                throw ValidationError("--database-url: \(error.message)")
            }
        }
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must not be empty") }
    }

    /// `--database-url`, else `WA_DATABASE_URL`.
    var databaseURL: String? { databaseURLOption ?? Self.environment["WA_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The data directory, absolute.
    var dataDirectory: String { URL(fileURLWithPath: dataDir).standardizedFileURL.path }

    /// The embedded PostgreSQL's directory.
    var embeddedPostgresDirectory: String { "\(dataDirectory)/postgres" }

    /// The secrets file.
    var secrets: SecretsFile {
        let secretsFile = secretsFileOption ?? Self.environment["WA_SECRETS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return SecretsFile(path: secretsFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? "\(dataDirectory)/\(SecretsFile.defaultName)")
    }

    /// The keyring from `WA_KEYRING` when set, else from the secrets file (created on first use when `create`).
    func keyring(creatingFile create: Bool) throws -> SecretKeyringSource {
        if let value = Self.environment[SecretsFile.environmentVariable], !value.isEmpty {
            return .environment(try SecretsFile.keyring(environmentValue: value))
        }
        let file = secrets
        if create {
            try DataDirectory.prepare((file.path as NSString).deletingLastPathComponent)
            return .file(file.path, try file.loadOrCreate(random: SystemRandomSource()))
        }
        return .file(file.path, try file.load())
    }
}

/// Where a keyring came from, for messages.
enum SecretKeyringSource {
    case environment(SecretKeyring)
    case file(String, SecretKeyring)

    var keyring: SecretKeyring {
        switch self {
        case .environment(let keyring), .file(_, let keyring): keyring
        }
    }

    var origin: String {
        switch self {
        case .environment: SecretsFile.environmentVariable
        case .file(let path, _): path
        }
    }
}
