import Synchronization
import Testing
import WACore

@Suite struct AsyncLockTests {
    /// Many tasks contending with yields in and around the critical section: every one gets the lock, never two at
    /// once, and no wake-up is lost (a lost wake-up hangs this test, which the time limit turns into a failure; the
    /// limit is generous because the rest of the suite runs beside it on two cores, and ~15 s is normal then).
    @Test(.timeLimit(.minutes(3)))
    func contendedLockingNeitherOverlapsNorStalls() async throws {
        let lock = AsyncLock()
        let counters = Counters()
        for _ in 0..<300 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<4 {
                    group.addTask {
                        for step in 0..<25 {
                            if (task + step) % 3 == 0 { await Task.yield() }
                            try await lock.withLock {
                                #expect(counters.inside.add(1, ordering: .sequentiallyConsistent).newValue == 1)
                                if step % 2 == 0 { await Task.yield() }
                                counters.inside.subtract(1, ordering: .sequentiallyConsistent)
                                counters.total.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(counters.total.load(ordering: .relaxed) == 300 * 4 * 25)
    }

    final class Counters: Sendable {
        let inside = Atomic<Int>(0)
        let total = Atomic<Int>(0)
    }

    @Test func aCancelledWaiterNeverHoldsTheLock() async throws {
        let lock = AsyncLock()
        let (holding, holdingContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await lock.withLock {
                holdingContinuation.yield()
                for await _ in release {}
            }
        }
        for await _ in holding { break }  // the holder has the lock until it is released below
        let entered = Counters()
        let waiter = Task { try await lock.withLock { entered.total.add(1, ordering: .relaxed) } }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(entered.total.load(ordering: .relaxed) == 0, "the cancelled waiter never ran its body")
        releaseContinuation.finish()
        try await holder.value
        #expect(try await lock.withLock { "free" } == "free")
    }
}
