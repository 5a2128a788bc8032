import Foundation
import Synchronization
import Testing
import WACoreTesting

@testable import WACore

@Suite("Worker wake-ups")
struct WorkerWakeUpTests {
    @Test func aSignalAfterTheMarkWakesAWaiterOfItsTopic() async throws {
        let signal = WakeUpSignal()
        let mark = signal.mark()
        signal.signal([.queue("send")])
        // Signalled after the mark: returns without waiting.
        try await signal.wait(for: [.queue("send")], after: mark)

        let later = signal.mark()
        let woke = Atomic<Bool>(false)
        let waiter = Task {
            try await signal.wait(for: [.queue("send"), .eventLog], after: later)
            woke.store(true, ordering: .releasing)
        }
        signal.signal([.queue("webhook.deliver")])
        signal.signal([.eventLog])
        try await waiter.value
        let didWake = woke.load(ordering: .acquiring)
        #expect(didWake)
    }

    @Test func aCancelledWaitThrows() async throws {
        let signal = WakeUpSignal()
        let mark = signal.mark()
        let waiter = Task { try await signal.wait(for: [.eventLog], after: mark) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    @Test func aMemoryStoreSignalsWhatItsCommitsEnqueued() async throws {
        let signal = WakeUpSignal()
        let store = MemoryStore(wakeUps: signal)
        let f = Fixtures()
        let t = try await TenantFixture.create(in: store, using: f)
        let mark = signal.mark()
        // A rolled-back enqueue signals nothing; a committed one signals its queue.
        struct Boom: Error {}
        _ = try? await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.jobs.enqueue(f.job(in: t.id, queue: "reports"))
            throw Boom()
        }
        #expect(signal.mark() == mark)
        _ = try await store.transaction(.organization(t.id)) { try await $0.jobs.enqueue(f.job(in: t.id, queue: "reports")) }
        #expect(signal.mark() != mark)
        try await signal.wait(for: [.queue("reports")], after: mark)
    }

    /// A worker loop idling for an hour on the test clock runs its next batch as soon as its topic is signalled,
    /// with the clock standing still; a signal for another topic leaves it asleep until its hour is up.
    @Test func anIdleLoopWakesOnItsTopicOnly() async throws {
        let clock = TestClock()
        let signal = WakeUpSignal()
        let batches = Atomic<Int>(0)
        let loop = Task {
            try await runWorkerLoop(
                clock: clock, idle: .seconds(3_600), wakeUps: signal, topics: [.queue("send")], onError: nil
            ) {
                batches.add(1, ordering: .sequentiallyConsistent)
                return 0
            }
        }
        defer { loop.cancel() }
        let start = clock.now()
        try await clock.waitForSleepers(1)
        #expect(batches.load(ordering: .sequentiallyConsistent) == 1)

        signal.signal([.queue("send")])
        try await clock.waitUntil("a second batch") { batches.load(ordering: .sequentiallyConsistent) == 2 }
        try await clock.waitForSleepers(1)
        #expect(clock.now() == start)

        // Another topic does not wake it: only the hour passing does, once.
        signal.signal([.queue("other")])
        clock.advance(by: .seconds(3_600))
        try await clock.waitUntil("a third batch") { batches.load(ordering: .sequentiallyConsistent) == 3 }
        try await clock.waitForSleepers(1)
        #expect(batches.load(ordering: .sequentiallyConsistent) == 3)
    }

    /// Work committed while the worker was looking (after its mark) is not slept through.
    @Test func aSignalDuringTheBatchIsNotMissed() async throws {
        let clock = TestClock()
        let signal = WakeUpSignal()
        let batches = Atomic<Int>(0)
        let loop = Task {
            try await runWorkerLoop(
                clock: clock, idle: .seconds(3_600), wakeUps: signal, topics: [.queue("send")], onError: nil
            ) {
                if batches.add(1, ordering: .sequentiallyConsistent).newValue == 1 { signal.signal([.queue("send")]) }
                return 0
            }
        }
        defer { loop.cancel() }
        try await clock.waitUntil("a second batch") { batches.load(ordering: .sequentiallyConsistent) >= 2 }
        try await clock.waitForSleepers(1)
        #expect(batches.load(ordering: .sequentiallyConsistent) == 2)
    }
}
