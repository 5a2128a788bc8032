import ArgumentParser
import WACore

/// `wa-gateway keys`: the keyring that seals secrets at rest (webhook signing secrets, proxy passwords, WhatsApp
/// sessions).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or rotate the keyring that seals secrets at rest.",
        subcommands: [List.self, Rotate.self],
        defaultSubcommand: List.self
    )

    /// `wa-gateway keys list`: the key ids, never the keys.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the keyring's key ids (the current one first).")

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let source = try storage.keyring(creatingFile: false)
            let keyring = source.keyring
            print("Keyring from \(source.origin):")
            print("  key \(keyring.current.id)  current (seals new values)")
            for key in keyring.retired { print("  key \(key.id)  retired (opens values sealed with it)") }
        }
    }

    /// `wa-gateway keys rotate`: a new current key in the secrets file.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new random key current; older keys stay and keep opening what they sealed.",
            discussion: """
                Stop the gateway first, or restart it afterwards: a running gateway keeps the keyring it started \
                with. Nodes that share one database must all have the new file before any of them seals with the \
                new key (copy it, then restart them). With WA_KEYRING set, put a new key first in that variable \
                instead (32 random bytes in base64: openssl rand -base64 32).
                """
        )

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            if let value = StorageOptions.environment[SecretsFile.environmentVariable], !value.isEmpty {
                throw SetupError(
                    "the keyring comes from \(SecretsFile.environmentVariable), which this command cannot change: "
                        + "put a new key first there (id:base64, e.g. from openssl rand -base64 32)")
            }
            let file = storage.secrets
            let keyring = try file.rotate(random: SystemRandomSource())
            print("Key \(keyring.current.id) is now current in \(file.path); keys \(keyring.retired.map(\.id)) are retired and still open what they sealed.")
            print("Restart the gateway (every node that shares the database, after copying the file) to seal with it.")
        }
    }
}
