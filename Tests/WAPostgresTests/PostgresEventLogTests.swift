import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Organizations' event logs on a real server: numbering in commit order with late committers and rollbacks, events
/// read back exactly (ordered JSON included), bounds, consumers and pruning.
@Suite("PostgreSQL event log")
struct PostgresEventLogTests {
    let f = Fixtures(seed: 4)

    func log<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope,
        _ body: (PostgresEventLogRepository) async throws -> Result
    ) async throws -> Result {
        try await runner.run(scope) { connection in
            let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
            defer { context.close() }
            return try await body(PostgresEventLogRepository(context: context))
        }
    }

    func event(_ org: OrganizationID, _ n: Int) -> WebhookEvent {
        WebhookEvent(
            type: .messageReceived, organizationID: org, instanceID: InstanceID(uuid: UUID()),
            data: ["z_last": .integer(Int64(n)), "a_first": .number(1.5), "nested": ["b": nil, "a": [true, "x"]]],
            ids: f.ids)
    }

    @Test func eventsReadBackExactlyInOrderWithBoundsConsumersAndPruning() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let org = OrganizationID(uuid: UUID())
            let other = OrganizationID(uuid: UUID())
            let scope = TransactionScope.organization(org)
            let events = (1...5).map { event(org, $0) }
            let logged = try await log(runner, scope) { repository in
                var logged: [LoggedEvent] = []
                for event in events { logged.append(try await repository.append(event)) }
                return logged
            }
            #expect(logged.map(\.sequence) == [1, 2, 3, 4, 5])
            _ = try await log(runner, .organization(other)) { try await $0.append(event(other, 9)) }
            let read = try await log(runner, scope) { try await $0.read(in: org, after: 2, limit: 2) }
            #expect(read == Array(logged[2...3]), "the same events, their JSON members in their order")
            let value1 = try await log(runner, scope) { try await $0.bounds(in: org) }
            #expect(value1 == EventLogBounds(firstRetained: 1, last: 5))
            let value2 = try await log(runner, .organization(other)) { try await $0.bounds(in: other) }
            #expect(value2.last == 1)

            // A consumer keeps its place; it cannot be saved past the end.
            var consumer = try await log(runner, scope) { try await $0.consumer("fan-out", in: org) }
            #expect(consumer.position == 0 && !consumer.isScheduled)
            consumer.position = 2
            try await log(runner, scope) { try await $0.save(consumer) }
            let value3 = try await log(runner, scope) { try await $0.consumer("fan-out", in: org) }
            #expect(value3.position == 2)
            var tooFar = consumer
            tooFar.position = 6
            await #expect(throws: WAError.self) { try await log(runner, scope) { try await $0.save(tooFar) } }

            // Pruning stops at the consumer's position; the numbering goes on.
            let pruned = try await log(runner, .system) { try await $0.prune(before: Date.distantFuture) }
            #expect(pruned == 2 + 1, "2 of this organization (up to its consumer), 1 of the other (no consumer)")
            let value4 = try await log(runner, scope) { try await $0.bounds(in: org) }
            #expect(value4 == EventLogBounds(firstRetained: 3, last: 5))
            let value5 = try await log(runner, scope) { try await $0.append(event(org, 6)) }
            #expect(value5.sequence == 6)
        }
    }

    /// A transaction that appends and stays open holds the next append of its organization until it ends: the
    /// numbers become visible in order, and a rolled-back append leaves no gap.
    @Test func aLateCommitterIsNeverSkippedAndARollbackLeavesNoGap() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let org = OrganizationID(uuid: UUID())
            let scope = TransactionScope.organization(org)
            // The reader leases its connection before anything holds a lock: a reader that had to open a third
            // connection while the first transaction waits for it could wait on the pool (a loaded test server can
            // run out of connections for a while) until the first one's rendezvous timed out and rolled it back.
            let readerReady = Rendezvous(parties: 3, timeout: .seconds(120))
            let readNow = Rendezvous(parties: 2, timeout: .seconds(120))
            let firstAppended = Rendezvous(parties: 2, timeout: .seconds(120))
            let release = Rendezvous(parties: 2, timeout: .seconds(120))
            let secondDone = Atomic<Bool>(false)
            async let whileHeld: [LoggedEvent] = log(runner, scope) { repository in
                try await readerReady.arrive()
                try await readNow.arrive()
                return try await repository.read(in: org, after: 0, limit: 10)
            }
            async let first: UInt64 = log(runner, scope) { repository in
                try await readerReady.arrive()
                let logged = try await repository.append(event(org, 1))
                try await firstAppended.arrive()
                try await release.arrive()
                return logged.sequence
            }
            try await readerReady.arrive()
            try await firstAppended.arrive()
            async let second: UInt64 = log(runner, scope) { repository in
                let logged = try await repository.append(event(org, 2))
                secondDone.store(true, ordering: .releasing)
                return logged.sequence
            }
            // While the first transaction is open, the second append waits and a reader sees nothing.
            try await Task.sleep(for: .milliseconds(300))
            try await readNow.arrive()
            let seenWhileHeld = try await whileHeld
            #expect(seenWhileHeld.isEmpty)
            let secondFinishedEarly = secondDone.load(ordering: .acquiring)
            #expect(!secondFinishedEarly)
            try await release.arrive()
            let numbers = try await [first, second]
            #expect(numbers == [1, 2])

            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await log(runner, scope) { repository in
                    _ = try await repository.append(event(org, 3))
                    throw Rollback()
                }
            }
            let value7 = try await log(runner, scope) { try await $0.append(event(org, 4)) }
            #expect(value7.sequence == 3)
            let all = try await log(runner, scope) { try await $0.read(in: org, after: 0, limit: 10) }
            #expect(all.map(\.sequence) == [1, 2, 3])
        }
    }

    /// Publishing appends and reads the fan-out consumer in one statement. A fan-out run that holds the consumer
    /// and is about to mark it caught up (not scheduled) makes that statement wait, and the append then reads the
    /// consumer as the run committed it: the publisher schedules a new run, so its event is not stranded.
    @Test func anAppendReadsTheConsumerAsAConcurrentRunCommittedIt() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let org = OrganizationID(uuid: UUID())
            let scope = TransactionScope.organization(org)
            try await log(runner, scope) { repository in
                _ = try await repository.append(event(org, 1))
                try await repository.save(EventLogConsumer(name: "webhooks", organizationID: org, position: 0, isScheduled: true))
            }
            let runHolds = Rendezvous(parties: 2, timeout: .seconds(120))
            let runEnds = Rendezvous(parties: 2, timeout: .seconds(120))
            let appended = Atomic<Bool>(false)
            async let run: Void = log(runner, scope) { repository in
                var consumer = try await repository.consumer("webhooks", in: org)
                try await runHolds.arrive()
                try await runEnds.arrive()
                consumer.position = 1
                consumer.isScheduled = false
                try await repository.save(consumer)
            }
            try await runHolds.arrive()
            async let publisher = log(runner, scope) { repository in
                let result = try await repository.append(event(org, 2), readingConsumer: "webhooks")
                appended.store(true, ordering: .releasing)
                return result
            }
            try await Task.sleep(for: .milliseconds(300))
            let appendedEarly = appended.load(ordering: .acquiring)
            #expect(!appendedEarly, "the append waits for the run that holds the consumer")
            try await runEnds.arrive()
            try await run
            let (logged, consumer) = try await publisher
            #expect(logged.sequence == 2)
            #expect(consumer == EventLogConsumer(name: "webhooks", organizationID: org, position: 1, isScheduled: false))
        }
    }
}
