import Foundation
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// The repository contract, every case of it, on PostgreSQL: the same suite the memory store passes. Cases run one
/// after another, each in a fresh database: concurrency is what some cases test inside, and a hundred migrations at
/// once would only load the machine the other suites share.
@Suite("PostgreSQL store: repository contract", .serialized)
struct PostgresStoreContractTests {
    @Test(arguments: RepositoryContract.cases)
    func contract(_ contractCase: RepositoryContract.Case) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await contractCase.run(on: PostgresStore(client: client, logger: TestDatabase.logger))
        }
    }
}
