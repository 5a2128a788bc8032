import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import WACore
import WACoreTesting

@Suite("Gateway worker")
struct GatewayWorkerTests {
    @Test func theWorkerSendsQueuedMessagesAndStopsOnGracefulShutdown() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let worker = GatewayWorker(nodeID: "node-a", dispatcher: h.dispatcher)
        try await testGracefulShutdown { trigger in
            let running = Task { try await worker.run() }
            _ = try await h.send("Sent by the worker", to: ada)
            try await h.clock.waitUntil("the message to reach Ada", advancing: true) { !ada.inbox.isEmpty }
            #expect(ada.inbox.map(\.body) == ["Sent by the worker"])
            trigger.triggerGracefulShutdown()
            try await running.value  // returns: the loop stops taking work
        }
        // After shutdown nothing is sent any more: the worker has returned and left nothing behind that could pick
        // up a job later, so a new message stays queued with its job untouched.
        #expect(h.clock.sleeperCount == 0, "nothing waits on the clock")
        let after = try await h.send("After shutdown", to: ada)
        #expect(try await h.message(after.id).status == .queued)
        #expect(try await h.jobs().map(\.state) == [.completed, .available])
        #expect(ada.inbox.count == 1)
    }

    @Test func aShutdownMidTypingStillSendsTheMessageInHand() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567")
        let worker = GatewayWorker(nodeID: "node-a", dispatcher: h.dispatcher)
        let queued = try await h.send("In hand", to: ada)
        let running = Task { try await worker.runUntilCancelled() }
        try await h.clock.waitForSleepers(1)
        #expect(try await h.message(queued.id).status == .pending, "the worker is typing")
        running.cancel()
        try await h.clock.waitUntil("the message in hand to reach Ada", advancing: true) { !ada.inbox.isEmpty }
        try await running.value
        #expect(ada.inbox.map(\.body) == ["In hand"])
        #expect(try await h.jobs().map(\.state) == [.completed])
    }
}
