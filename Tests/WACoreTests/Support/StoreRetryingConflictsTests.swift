import Foundation
import Synchronization
import Testing
@testable import WACore
import WACoreTesting

@Suite("Store: retrying transaction conflicts")
struct StoreRetryingConflictsTests {
    @Test func aConflictRunsTheBodyAgainInANewTransactionUpToTheLimit() async throws {
        let env = ServiceEnvironment.testing(clock: TestClock())
        let (org, _) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let runs = Atomic<Int>(0)
        // A real conflict on the first run: the row changes under the body's copy.
        let renamed = try await env.store.transaction(.organization(org.id), retryingConflicts: 3) { tx in
            var stale = try await tx.organizations.get(org.id, in: org.id)
            if runs.add(1, ordering: .relaxed).newValue == 1 {
                var other = stale
                other.name = "Acme GmbH"
                _ = try await tx.organizations.update(other)
            }
            stale.slug = "acme-gmbh"
            return try await tx.organizations.update(stale)
        }
        #expect(runs.load(ordering: .relaxed) == 2)
        #expect(renamed.slug == "acme-gmbh" && renamed.name == "Acme")  // the first run's writes were rolled back

        // Conflicts every time: the error comes out after the last attempt; other errors are not retried.
        runs.store(0, ordering: .relaxed)
        await expectWAError(.versionConflict) {
            try await env.store.transaction(.organization(org.id), retryingConflicts: 2) { _ in
                runs.add(1, ordering: .relaxed)
                throw WAError(.versionConflict, "changed meanwhile")
            }
        }
        #expect(runs.load(ordering: .relaxed) == 2)
        runs.store(0, ordering: .relaxed)
        await expectWAError(.notFound) {
            try await env.store.transaction(.organization(org.id), retryingConflicts: 5) { _ in
                runs.add(1, ordering: .relaxed)
                throw WAError.notFound("thing")
            }
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test func aStorageConflictIsRetriedLikeAVersionConflict() async throws {
        let store = MemoryStore()
        let runs = Atomic<Int>(0)
        let result = try await store.transaction(.system, retryingConflicts: 4) { _ in
            if runs.add(1, ordering: .relaxed).newValue < 3 {
                throw WAError(.storageConflict, "could not serialize access due to concurrent update")
            }
            return "done"
        }
        #expect(result == "done" && runs.load(ordering: .relaxed) == 3)
        #expect(WAError.Code.storageConflict.isRetryable && WAError.Code.storageConflict.isTransactionConflict)
        #expect(!WAError.Code.alreadyExists.isTransactionConflict)
    }

    @Test func theWaitsAreJitteredUnderADoublingBound() {
        let bounds = (2...11).map { ConflictBackoff.bound(beforeAttempt: $0) }
        #expect(bounds.prefix(7) == [.zero, .milliseconds(2), .milliseconds(4), .milliseconds(8), .milliseconds(16), .milliseconds(32), .milliseconds(64)])
        #expect(bounds.dropFirst(7).allSatisfy { $0 == .milliseconds(100) })
        let random = SeededRandomSource(seed: 42)
        #expect(ConflictBackoff.delay(beforeAttempt: 2, random: random) == .zero, "the second run starts at once")
        let delays = (0..<200).map { _ in ConflictBackoff.delay(beforeAttempt: 5, random: random) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(8) })
        #expect(Set(delays).count > 100)  // random, not a fixed step
    }

    @Test func cancellationCutsTheWaitShort() async {
        let store = MemoryStore()
        let task = Task {
            try await store.transaction(.system, retryingConflicts: 1_000) { _ in
                throw WAError(.storageConflict, "deadlock detected")
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
