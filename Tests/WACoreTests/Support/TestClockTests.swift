import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

@Suite("Test clock")
struct TestClockTests {
    @Test func runAdvancesOnlyWhileTheOperationSleeps() async throws {
        let clock = TestClock()
        let start = clock.now()
        // A task started outside the run sleeps an hour at a time, like a supervisor's lease renewal.
        let background = Task {
            while !Task.isCancelled { try await clock.sleep(for: .seconds(3_600)) }
        }
        try await clock.waitForSleepers(1)
        // The operation is busy (not sleeping) for many turns, then sleeps 5 seconds twice.
        let elapsed = try await clock.run { () async throws -> TimeInterval in
            for _ in 0..<5_000 { await Task.yield() }
            let busy = clock.now().timeIntervalSince(start)
            try await clock.sleep(for: .seconds(5))
            try await clock.sleep(for: .seconds(5))
            #expect(busy == 0, "time did not pass while the operation was busy")
            return clock.now().timeIntervalSince(start)
        }
        #expect(elapsed == 10)
        // Sleepers of a child task count as the operation's.
        let child = try await clock.run {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await clock.sleep(for: .seconds(90)) }
                try await group.waitForAll()
            }
            return clock.now().timeIntervalSince(start)
        }
        #expect(child == 100)
        background.cancel()
    }

    @Test func waitForReturnsTheFirstValueAndLeavesTheClockAlone() async throws {
        let clock = TestClock()
        let start = clock.now()
        let box = Box<String?>(nil)
        let writer = Task {
            try await clock.sleep(for: .seconds(5))
            box.value.withLock { $0 = "written" }
        }
        let ready = Task { try await clock.waitFor("the value") { box.value.withLock { $0 } } }
        try await clock.waitForSleepers(1)
        #expect(clock.now() == start, "waiting does not move the clock")
        clock.advance(by: .seconds(5))
        #expect(try await ready.value == "written")
        try await writer.value
    }

    @Test func waitForThrowsAnErrorNamingWhatNeverHappened() async throws {
        let clock = TestClock()
        let line = #line + 1
        let error = await #expect(throws: TestClock.WaitTimedOut.self) {
            try await clock.waitUntil("the impossible", timeout: .milliseconds(20)) { false }
        }
        #expect(error?.what == "the impossible" && error?.line == line)
        #expect(error?.description.contains("gave up waiting for the impossible") == true)
    }

    @Test func waitForAdvancingRunsSleepingWorkInVirtualTime() async throws {
        let clock = TestClock()
        let start = clock.now()
        let steps = Box(0)
        let worker = Task {
            for _ in 0..<3 {
                try await clock.sleep(for: .seconds(60))
                steps.value.withLock { $0 += 1 }
            }
        }
        try await clock.waitUntil("three steps", advancing: true) { steps.value.withLock { $0 } == 3 }
        try await worker.value
        #expect(clock.now() == start.addingTimeInterval(180), "the clock moved from deadline to deadline")
    }

    final class Box<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
    }

    @Test func sleepersWakeWhenTheClockPassesTheirDeadline() async throws {
        let clock = TestClock()
        let start = clock.now()
        let early = Task { try await clock.sleep(for: .seconds(10)); return clock.now() }
        let late = Task { try await clock.sleep(for: .seconds(60)); return clock.now() }
        try await clock.waitForSleepers(2)
        clock.advance(by: .seconds(30))
        #expect(try await early.value == start.addingTimeInterval(30))
        #expect(clock.sleeperCount == 1)
        clock.advanceToNextDeadline()
        #expect(try await late.value == start.addingTimeInterval(60))
    }

    @Test func cancellingASleeperEndsItsWait() async throws {
        let clock = TestClock()
        let task = Task { try await clock.sleep(for: .seconds(10)) }
        try await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func aPastDeadlineDoesNotWait() async throws {
        let clock = TestClock()
        try await clock.sleep(until: clock.now().addingTimeInterval(-1))
        #expect(clock.sleeperCount == 0)
    }
}
