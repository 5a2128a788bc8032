import ArgumentParser
import Logging
import WAPostgres

/// `wa-gateway migrate`: brings the database's schema up to date and exits. `serve` does the same at every start;
/// this is for deployments that migrate as a step of their own (several nodes, a release pipeline).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (the embedded database under --data-dir, or --database-url).")

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        guard storage.store == .postgres else { throw ValidationError("migrate needs --store postgres (the default)") }
    }

    func run() async throws {
        var logger = Logger(label: "wa-gateway")
        logger.logLevel = .notice
        let applied = try await PostgresStorage.withStore(storage, exclusive: false, logger: logger) { _, applied in applied }
        print(applied.isEmpty ? "The schema is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
    }
}
