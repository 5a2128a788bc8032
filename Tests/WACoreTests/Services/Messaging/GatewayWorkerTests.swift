import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import WACore
import WACoreTesting

@Suite("Gateway worker")
struct GatewayWorkerTests {
    /// Moves virtual time forward until `done` holds (or a bound is reached).
    private func advance(_ clock: TestClock, until done: () -> Bool) async {
        for _ in 0..<5_000 where !done() {
            for _ in 0..<20 { await Task.yield() }
            clock.advanceToNextDeadline()
        }
    }

    @Test func theWorkerSendsQueuedMessagesAndStopsOnGracefulShutdown() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let worker = GatewayWorker(nodeID: "node-a", dispatcher: h.dispatcher)
        try await testGracefulShutdown { trigger in
            let running = Task { try await worker.run() }
            _ = try await h.send("Sent by the worker", to: ada)
            await advance(h.clock) { !ada.inbox.isEmpty }
            #expect(ada.inbox.map(\.text) == ["Sent by the worker"])
            trigger.triggerGracefulShutdown()
            try await running.value  // returns: the loop stops taking work
        }
        // After shutdown nothing is sent any more.
        _ = try await h.send("After shutdown", to: ada)
        h.clock.advance(by: .seconds(3600))
        for _ in 0..<200 { await Task.yield() }
        #expect(ada.inbox.count == 1)
    }

    @Test func aShutdownMidTypingStillSendsTheMessageInHand() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let worker = GatewayWorker(nodeID: "node-a", dispatcher: h.dispatcher)
        let queued = try await h.send("In hand", to: ada)
        let running = Task { try await worker.runUntilCancelled() }
        await h.clock.waitForSleepers(1)
        #expect(try await h.message(queued.id).status == .pending, "the worker is typing")
        running.cancel()
        await advance(h.clock) { !ada.inbox.isEmpty }
        try await running.value
        #expect(ada.inbox.map(\.text) == ["In hand"])
        #expect(try await h.jobs().map(\.state) == [.completed])
    }
}
