import Testing
import WACore
import WACoreTesting

/// ``MemoryMediaStore`` against the media store contract every adapter runs.
@Suite("Memory media store: contract")
struct MemoryMediaStoreContractTests {
    @Test(arguments: MediaStoreContract.cases)
    func contract(_ contractCase: MediaStoreContract.Case) async throws {
        try await contractCase.run(on: MemoryMediaStore())
    }

    @Test func everyCaseOnOneSharedStore() async throws {
        let store = MemoryMediaStore()
        for contractCase in MediaStoreContract.cases { try await contractCase.run(on: store) }
    }
}
