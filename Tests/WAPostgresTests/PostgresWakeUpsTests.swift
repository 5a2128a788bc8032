import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Workers woken by PostgreSQL: a commit that enqueues a job or appends an event notifies the listener, a rollback
/// notifies nobody.
@Suite("PostgreSQL worker wake-ups")
struct PostgresWakeUpsTests {
    /// Whether a wait for `topics` after `mark` returns within `timeout` of real time.
    static func woken(
        _ wakeUps: any WorkerWakeUps, _ topics: Set<WakeUpTopic>, after mark: WakeUpMark, within timeout: Duration
    ) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await wakeUps.wait(for: topics, after: mark)) != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test func commitsWakeTheirTopicsAndRollbacksDoNot() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresStore(client: client, logger: TestDatabase.logger)
            let listener = Task { try await store.wakeUpListener.run() }
            defer { listener.cancel() }
            let wakeUps = try #require(store.wakeUps)
            let f = Fixtures()
            let org = OrganizationID(uuid: UUID())
            let queue = "test.\(f.token(6))"
            func enqueue() async throws {
                _ = try await store.transaction(.organization(org)) { try await $0.jobs.enqueue(f.job(in: org, queue: queue)) }
            }
            // The listener needs a moment to start listening: enqueue until a commit wakes the waiter.
            var listening = false
            for _ in 0..<20 where !listening {
                let mark = wakeUps.mark()
                try await enqueue()
                listening = await Self.woken(wakeUps, [.queue(queue)], after: mark, within: .milliseconds(500))
            }
            #expect(listening, "a committed enqueue wakes the queue's workers")

            let beforeRollback = wakeUps.mark()
            struct Rollback: Error {}
            _ = try? await store.transaction(.organization(org)) { tx in
                _ = try await tx.jobs.enqueue(f.job(in: org, queue: queue))
                throw Rollback()
            }
            let rolledBackWoke = await Self.woken(wakeUps, [.queue(queue)], after: beforeRollback, within: .milliseconds(500))
            #expect(!rolledBackWoke, "a rolled-back enqueue notifies nobody")

            let beforeEvent = wakeUps.mark()
            _ = try await store.transaction(.organization(org)) { tx in
                try await tx.eventLog.append(WebhookEvent(type: .messageReceived, organizationID: org, ids: f.ids))
            }
            let eventWoke = await Self.woken(wakeUps, [.eventLog], after: beforeEvent, within: .seconds(5))
            #expect(eventWoke, "an appended event wakes the fan-out")
        }
    }

    @Test func aGracefulShutdownStopsTheListener() async throws {
        struct StillListening: Error {}
        try await TestDatabase.withFreshDatabase { client, _ in
            let store = PostgresStore(client: client, logger: TestDatabase.logger)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try await store.wakeUpListener.run()
                        return true
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(30))
                        return false
                    }
                    try await Task.sleep(for: .milliseconds(300))  // listening by now, or about to
                    trigger.triggerGracefulShutdown()
                    let stopped = try await group.next()
                    group.cancelAll()
                    #expect(stopped == true, "run() returns when the service group shuts down, not only when cancelled")
                }
            }
        }
    }
}
