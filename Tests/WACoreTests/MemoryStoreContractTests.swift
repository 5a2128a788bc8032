import Testing
import WACore
import WACoreTesting

/// The memory store passes the whole repository contract, every case on a fresh store and on one shared store.
@Suite struct MemoryStoreContractTests {
    @Test(arguments: RepositoryContract.cases)
    func freshStore(_ contractCase: RepositoryContract.Case) async throws {
        try await contractCase.run(on: MemoryStore())
    }

    @Test func sharedStoreRunsEveryCase() async throws {
        let store = MemoryStore()
        for contractCase in RepositoryContract.cases {
            try await contractCase.run(on: store, seed: 7)
        }
    }
}
