import Synchronization
import Testing
import WACore
import WACoreTesting

/// ``MemoryRateLimitStore`` against the rate-limit store contract every adapter runs.
@Suite("Memory rate-limit store: contract")
struct MemoryRateLimitStoreContractTests {
    @Test(arguments: RateLimitStoreContract.cases)
    func contract(_ contractCase: RateLimitStoreContract.Case) async throws {
        try await contractCase.run(on: MemoryRateLimitStore(shardCount: 4))
    }

    @Test func everyCaseOnOneSharedStore() async throws {
        let store = MemoryRateLimitStore()
        for contractCase in RateLimitStoreContract.cases { try await contractCase.run(on: store) }
    }
}

/// A store that reads, lets other tasks run, then writes: what an adapter without a lock or a single statement
/// does. The contract must catch it.
private final class ReadThenWriteRateLimitStore: RateLimitStore {
    private let states = Mutex<[RateLimitKey: RateLimitState]>([:])

    func update<Result: Sendable>(
        _ key: RateLimitKey, now: RateLimitInstant, _ body: (inout RateLimitState?) -> Result
    ) async throws(WAError) -> Result {
        var state = states.withLock { $0[key] }
        await Task.yield()
        let result = body(&state)
        states.withLock { $0[key] = state }
        return result
    }

    func update<Result: Sendable>(
        _ keys: [RateLimitKey], now: RateLimitInstant, _ body: (inout [RateLimitState?]) -> Result
    ) async throws(WAError) -> Result {
        var values = states.withLock { table in keys.map { table[$0] } }
        await Task.yield()
        let result = body(&values)
        states.withLock { table in for (key, value) in zip(keys, values) { table[key] = value } }
        return result
    }
}

@Suite("Rate-limit store contract: it can fail")
struct RateLimitStoreContractFailureTests {
    @Test func aStoreThatReadsThenWritesIsCaught() async throws {
        let racing = try #require(RateLimitStoreContract.cases.first { $0.name.contains("racing one key") })
        await #expect(throws: ContractViolation.self) {
            try await racing.run(on: ReadThenWriteRateLimitStore())
        }
    }
}
