import Foundation
import WACore

extension RepositoryContract {
    static var eventLogCases: [Case] {
        [
            Case("event log: numbers run 1, 2, 3 per organization, and a rolled-back append takes none", eventLogNumbering),
            Case("event log: reads after a position, oldest first, within the limit", eventLogReads),
            Case("event log: pruning removes old events, the numbering goes on, and it needs system scope", eventLogPruning),
            Case("event log: a transaction reaches its own organization's log only", eventLogIsolation),
            Case("event log: readers never see a gap while many writers append", eventLogConcurrentWriters),
            Case("event log: a consumer's position and schedule save with the transaction, per name and organization", eventLogConsumers),
            Case("event log: pruning keeps the events a consumer has yet to read", eventLogPruningWaitsForConsumers),
        ]
    }

    private static func event(_ f: Fixtures, _ org: OrganizationID, _ n: Int) -> WebhookEvent {
        WebhookEvent(type: .messageSent, organizationID: org, data: ["n": .number(Double(n))], ids: f.ids)
    }

    private static func eventLogNumbering(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        let empty = try await store.transaction(.organization(a.id)) { try await $0.eventLog.bounds(in: a.id) }
        try check(empty == EventLogBounds(firstRetained: 1, last: 0), "an empty log: \(empty)")
        let first = try await store.transaction(.organization(a.id)) { tx in
            [try await tx.eventLog.append(event(f, a.id, 1)), try await tx.eventLog.append(event(f, a.id, 2))]
        }
        try check(first.map(\.sequence) == [1, 2], "numbered from 1 in append order: \(first.map(\.sequence))")
        struct Rollback: Error {}
        do {
            try await store.transaction(.organization(a.id)) { tx in
                _ = try await tx.eventLog.append(event(f, a.id, 3))
                throw Rollback()
            }
        } catch is Rollback {}
        let other = try await store.transaction(.organization(b.id)) { try await $0.eventLog.append(event(f, b.id, 1)) }
        try check(other.sequence == 1, "each organization numbers its own log")
        let third = try await store.transaction(.organization(a.id)) { try await $0.eventLog.append(event(f, a.id, 4)) }
        try check(third.sequence == 3, "the rolled-back append left no gap: \(third.sequence)")
        let read = try await store.transaction(.organization(a.id)) {
            try await $0.eventLog.read(in: a.id, after: 0, limit: 10)
        }
        try check(
            read.map(\.event.data) == [1, 2, 4].map { ["n": .number(Double($0))] },
            "the rolled-back event is not in the log")
        try check(read.first?.event == first.first?.event, "the event reads back as appended")
    }

    private static func eventLogReads(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        try await store.transaction(.organization(t.id)) { tx in
            for n in 1...7 { _ = try await tx.eventLog.append(event(f, t.id, n)) }
        }
        func read(after: UInt64, limit: Int) async throws -> [UInt64] {
            try await store.transaction(.organization(t.id)) {
                try await $0.eventLog.read(in: t.id, after: after, limit: limit).map(\.sequence)
            }
        }
        try check(try await read(after: 0, limit: 3) == [1, 2, 3], "the first three")
        try check(try await read(after: 3, limit: 10) == [4, 5, 6, 7], "the rest, within the limit")
        try check(try await read(after: 7, limit: 10).isEmpty, "nothing after the last")
        try check(try await read(after: 70, limit: 10).isEmpty, "nothing after a future position")
        try await checkThrows(.invalidArgument, field: "limit", "a limit of 0") { try await read(after: 0, limit: 0) }
        try await checkThrows(.invalidArgument, field: "limit", "a limit over 1000") { try await read(after: 0, limit: 1_001) }
    }

    private static func eventLogPruning(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let old = try await store.transaction(.organization(t.id)) { tx in
            [try await tx.eventLog.append(event(f, t.id, 1)), try await tx.eventLog.append(event(f, t.id, 2))]
        }
        f.clock.advance(by: .seconds(1))
        let recent = event(f, t.id, 3)
        let cutoff = recent.createdAt
        _ = try await store.transaction(.organization(t.id)) { try await $0.eventLog.append(recent) }
        try await checkThrows(.tenantMismatch, "pruning inside an organization's transaction") {
            try await store.transaction(.organization(t.id)) { try await $0.eventLog.prune(before: cutoff) }
        }
        let removed = try await store.transaction(.system) { try await $0.eventLog.prune(before: cutoff) }
        // Other cases' organizations may share this store: at least this one's two old events went.
        try check(removed >= 2, "the old events were removed (\(removed))")
        let bounds = try await store.transaction(.organization(t.id)) { try await $0.eventLog.bounds(in: t.id) }
        try check(bounds == EventLogBounds(firstRetained: 3, last: 3), "what is left: \(bounds)")
        let kept = try await store.transaction(.organization(t.id)) {
            try await $0.eventLog.read(in: t.id, after: 0, limit: 10)
        }
        try check(kept.map(\.sequence) == [3] && !kept.contains { $0.event == old[0].event }, "only the new event")
        let next = try await store.transaction(.organization(t.id)) { try await $0.eventLog.append(event(f, t.id, 4)) }
        try check(next.sequence == 4, "the numbering goes on after pruning")
    }

    private static func eventLogIsolation(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        try await checkThrows(.tenantMismatch, "appending another organization's event") {
            try await store.transaction(.organization(a.id)) { try await $0.eventLog.append(event(f, b.id, 1)) }
        }
        try await checkThrows(.tenantMismatch, "reading another organization's log") {
            try await store.transaction(.organization(a.id)) {
                try await $0.eventLog.read(in: b.id, after: 0, limit: 10)
            }
        }
        try await checkThrows(.tenantMismatch, "another organization's bounds") {
            try await store.transaction(.organization(a.id)) { try await $0.eventLog.bounds(in: b.id) }
        }
    }

    private static func eventLogConcurrentWriters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let writers = 8
        let perWriter = 25
        let expected = writers * (0..<perWriter).filter { $0 % 3 != 2 }.count
        // Writers append in their own transactions (every third one rolls back); a reader keeps reading and checks
        // that what it sees is always consecutive from where it was: a later number never shows up first.
        let reader = Task { () async throws -> [UInt64] in
            var seen: [UInt64] = []
            var position: UInt64 = 0
            while seen.count < expected {
                let page = try await store.transaction(.organization(t.id)) {
                    try await $0.eventLog.read(in: t.id, after: position, limit: 50)
                }
                for (offset, logged) in page.enumerated() where logged.sequence != position + UInt64(offset) + 1 {
                    throw ContractViolation(
                        message: "after \(position) the reader saw \(logged.sequence) at offset \(offset)",
                        location: "\(#fileID):\(#line)")
                }
                seen += page.map(\.sequence)
                position = page.last?.sequence ?? position
                if page.isEmpty { try await Task.sleep(for: .microseconds(200)) }  // the writers' turn
            }
            return seen
        }
        struct Rollback: Error {}
        let committed = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var committed = 0
                    for n in 0..<perWriter {
                        do {
                            try await store.transaction(.organization(t.id)) { tx in
                                _ = try await tx.eventLog.append(event(f, t.id, writer * 1_000 + n))
                                if n % 3 == 2 { throw Rollback() }
                            }
                            committed += 1
                        } catch is Rollback {}
                    }
                    return committed
                }
            }
            return try await group.reduce(0, +)
        }
        let bounds = try await store.transaction(.organization(t.id)) { try await $0.eventLog.bounds(in: t.id) }
        try check(committed == expected, "\(committed) appends committed")
        try check(bounds.last == UInt64(committed), "one number per committed append: \(bounds.last) for \(committed)")
        let seen = try await reader.value
        try check(seen == Array(1...UInt64(seen.count)), "the reader saw every number once, in order")
        try check(seen.count == committed, "the reader saw all \(committed) (\(seen.count))")
    }

    private static func eventLogConsumers(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        func consumer(_ name: String, _ org: OrganizationID) async throws -> EventLogConsumer {
            try await store.transaction(.organization(org)) { try await $0.eventLog.consumer(name, in: org) }
        }
        let fresh = try await consumer("webhooks", a.id)
        try check(
            fresh == EventLogConsumer(name: "webhooks", organizationID: a.id, position: 0, isScheduled: false),
            "a consumer never saved starts at 0, unscheduled: \(fresh)")
        try await store.transaction(.organization(a.id)) { tx in
            for n in 1...3 { _ = try await tx.eventLog.append(event(f, a.id, n)) }
            try await tx.eventLog.save(EventLogConsumer(name: "webhooks", organizationID: a.id, position: 2, isScheduled: true))
            let inside = try await tx.eventLog.consumer("webhooks", in: a.id)
            try check(inside.position == 2 && inside.isScheduled, "the transaction reads its own save: \(inside)")
        }
        let saved = try await consumer("webhooks", a.id)
        try check(saved.position == 2 && saved.isScheduled, "the save committed: \(saved)")
        try check(try await consumer("audit-export", a.id).position == 0, "another name has its own position")
        try check(try await consumer("webhooks", b.id).position == 0, "another organization has its own position")

        struct Rollback: Error {}
        do {
            try await store.transaction(.organization(a.id)) { tx in
                try await tx.eventLog.save(EventLogConsumer(name: "webhooks", organizationID: a.id, position: 3))
                throw Rollback()
            }
        } catch is Rollback {}
        let afterRollback = try await consumer("webhooks", a.id)
        try check(afterRollback.position == 2 && afterRollback.isScheduled, "a rolled-back save is gone: \(afterRollback)")

        try await checkThrows(.invalidArgument, field: "position", "a position past the last number") {
            try await store.transaction(.organization(a.id)) {
                try await $0.eventLog.save(EventLogConsumer(name: "webhooks", organizationID: a.id, position: 4))
            }
        }
        try await checkThrows(.invalidArgument, field: "name", "an empty name") {
            try await store.transaction(.organization(a.id)) {
                try await $0.eventLog.save(EventLogConsumer(name: "", organizationID: a.id, position: 1))
            }
        }
        try await checkThrows(.invalidArgument, field: "name", "a name of 65 characters") {
            try await store.transaction(.organization(a.id)) {
                try await $0.eventLog.save(
                    EventLogConsumer(name: String(repeating: "c", count: 65), organizationID: a.id, position: 1))
            }
        }
        try await checkThrows(.tenantMismatch, "reading another organization's consumer") {
            try await store.transaction(.organization(b.id)) { try await $0.eventLog.consumer("webhooks", in: a.id) }
        }
        try await checkThrows(.tenantMismatch, "saving another organization's consumer") {
            try await store.transaction(.organization(b.id)) {
                try await $0.eventLog.save(EventLogConsumer(name: "webhooks", organizationID: a.id, position: 0))
            }
        }

        // Appending and reading a consumer in one step: the next number and the consumer as saved.
        let (appended, read) = try await store.transaction(.organization(a.id)) {
            try await $0.eventLog.append(event(f, a.id, 4), readingConsumer: "webhooks")
        }
        try check(appended.sequence == 4 && read == saved, "the append's number and the saved consumer: \(appended.sequence), \(read)")
        let (_, unsaved) = try await store.transaction(.organization(a.id)) {
            try await $0.eventLog.append(event(f, a.id, 5), readingConsumer: "audit-export")
        }
        try check(
            unsaved == EventLogConsumer(name: "audit-export", organizationID: a.id),
            "a consumer never saved reads at 0, unscheduled: \(unsaved)")
        try await checkThrows(.tenantMismatch, "appending to another organization's log") {
            try await store.transaction(.organization(b.id)) {
                try await $0.eventLog.append(event(f, a.id, 6), readingConsumer: "webhooks")
            }
        }
    }

    private static func eventLogPruningWaitsForConsumers(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        try await store.transaction(.organization(t.id)) { tx in
            for n in 1...5 { _ = try await tx.eventLog.append(event(f, t.id, n)) }
            try await tx.eventLog.save(EventLogConsumer(name: "fast", organizationID: t.id, position: 5))
            try await tx.eventLog.save(EventLogConsumer(name: "slow", organizationID: t.id, position: 2))
        }
        f.clock.advance(by: .seconds(1))
        let cutoff = f.clock.now()
        _ = try await store.transaction(.system) { try await $0.eventLog.prune(before: cutoff) }
        let bounds = try await store.transaction(.organization(t.id)) { try await $0.eventLog.bounds(in: t.id) }
        try check(
            bounds == EventLogBounds(firstRetained: 3, last: 5),
            "events 3 to 5 wait for the slowest consumer, however old: \(bounds)")
        try await store.transaction(.organization(t.id)) { tx in
            try await tx.eventLog.save(EventLogConsumer(name: "slow", organizationID: t.id, position: 5))
        }
        _ = try await store.transaction(.system) { try await $0.eventLog.prune(before: cutoff) }
        let after = try await store.transaction(.organization(t.id)) { try await $0.eventLog.bounds(in: t.id) }
        try check(after == EventLogBounds(firstRetained: 6, last: 5), "once read, they go: \(after)")
    }
}
