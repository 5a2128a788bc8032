import Foundation
import Logging
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Messages with their rollups, contact activities and reply candidates on a real server, checked against the
/// memory store: the same writes go to both, and every read must answer the same.
@Suite("PostgreSQL messages, rollups and segments")
struct PostgresAnalyticsRepositoryTests {
    let f = Fixtures(seed: 9)

    /// The repositories of one PostgreSQL transaction that these tests use.
    struct Repositories {
        let contacts: PostgresContactRepository
        let messages: PostgresMessageRepository
        let rollups: PostgresRollupRepository
        let activities: PostgresContactActivityRepository

        init(_ context: PostgresTransactionContext) {
            contacts = PostgresContactRepository(base: .init(context: context))
            messages = PostgresMessageRepository(base: .init(context: context))
            rollups = PostgresRollupRepository(context: context)
            activities = PostgresContactActivityRepository(context: context)
        }
    }

    func inTransaction<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope, _ body: (Repositories) async throws -> Result
    ) async throws -> Result {
        try await runner.run(scope) { connection in
            let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
            defer { context.close() }
            return try await body(Repositories(context))
        }
    }

    @Test func writesAndReadsAgreeWithTheMemoryStore() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let memory = MemoryStore()
            let t = try await TenantFixture.create(in: memory, using: f)
            let org = t.id
            let scope = TransactionScope.organization(org)
            let instances = [t.instance.id, InstanceID(uuid: UUID())]
            let campaign = CampaignID(uuid: UUID())
            let contacts = (0..<12).map { _ in f.contact(in: org) }
            var generator = SeededRandomSource(seed: 42).generator
            func random(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
            let base = DayKey(f.now(), in: .gmt).advanced(by: 2).start(in: .gmt)

            // Both stores get the contacts.
            try await memory.transaction(scope) { tx in for c in contacts { _ = try await tx.contacts.insert(c) } }
            try await inTransaction(runner, scope) { r in for c in contacts { _ = try await r.contacts.insert(c) } }

            // Messages: queued, then advanced in later transactions; inbound ones mark the message they answer.
            var outbound: [Message] = []
            for index in 0..<120 {
                let contact = contacts[random(0...(contacts.count - 1))]
                var message = f.message(
                    in: org, instance: instances[index % 2], chat: contact.jid, direction: random(0...3) == 0 ? .inbound : .outbound)
                message.contactID = index % 7 == 0 ? nil : contact.id
                message.campaignID = index % 3 == 0 && message.direction == .outbound ? campaign : nil
                message.createdAt = base.addingTimeInterval(Double(random(0...(4 * 86_400))))
                let stored = message
                try await memory.transaction(scope) { tx in
                    _ = try await tx.messages.insert(stored)
                    if stored.direction == .inbound, var answered = try await tx.messages.replyCandidate(
                        chat: stored.chatJID, instance: stored.instanceID, arrival: stored.createdAt,
                        window: .seconds(72 * 3_600), in: org)
                    {
                        answered.timestamps.repliedAt = stored.createdAt
                        _ = try await tx.messages.update(answered)
                    }
                }
                try await inTransaction(runner, scope) { r in
                    _ = try await r.messages.insert(stored)
                    if stored.direction == .inbound, var answered = try await r.messages.replyCandidate(
                        chat: stored.chatJID, instance: stored.instanceID, arrival: stored.createdAt,
                        window: .seconds(72 * 3_600), in: org)
                    {
                        answered.timestamps.repliedAt = stored.createdAt
                        _ = try await r.messages.update(answered)
                    }
                }
                if message.direction == .outbound { outbound.append(message) }
                // Now and then an earlier outbound message moves on: sent, then delivered, then read (or it fails).
                if let earlier = outbound.randomElement(using: &generator) {
                    let step = random(0...3)
                    let delay = Double(random(1...20_000))
                    func advance(_ m: inout Message) {
                        let start = m.timestamps.sentAt ?? m.createdAt
                        switch step {
                        case 0: m.timestamps.record(.sent, at: start.addingTimeInterval(delay))
                        case 1: m.timestamps.record(.delivered, at: start.addingTimeInterval(delay))
                        case 2: m.timestamps.record(.read, at: start.addingTimeInterval(delay))
                        default: if m.timestamps.sentAt == nil { m.timestamps.record(.failed, at: start.addingTimeInterval(delay)) }
                        }
                    }
                    try await memory.transaction(scope) { tx in
                        var current = try await tx.messages.get(earlier.id, in: org)
                        advance(&current)
                        _ = try await tx.messages.update(current)
                    }
                    try await inTransaction(runner, scope) { r in
                        var current = try await r.messages.get(earlier.id, in: org)
                        advance(&current)
                        _ = try await r.messages.update(current)
                    }
                }
            }

            // Every read agrees: rollups per zone and dimension, narrowed ones, segments and their members.
            let days = DayKey(base, in: .gmt).advanced(by: -1)...DayKey(base, in: .gmt).advanced(by: 6)
            for zone in ["UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"].compactMap(TimeZone.init(identifier:)) {
                for dimensions in [RollupDimensions.organization, .instance, .campaign, .all] {
                    let expected = try await memory.transaction(scope) { tx in
                        try await tx.rollups.dailyFigures(
                            in: org, days: days, timeZone: zone, dimensions: dimensions, instanceIDs: nil, campaignID: nil)
                    }
                    let stored = try await inTransaction(runner, scope) { r in
                        try await r.rollups.dailyFigures(
                            in: org, days: days, timeZone: zone, dimensions: dimensions, instanceIDs: nil, campaignID: nil)
                    }
                    #expect(stored == expected, "\(zone.identifier) \(dimensions)")
                    #expect(!expected.isEmpty)
                }
                let narrowedExpected = try await memory.transaction(scope) { tx in
                    try await tx.rollups.dailyFigures(
                        in: org, days: days, timeZone: zone, dimensions: .organization, instanceIDs: [instances[1]],
                        campaignID: campaign)
                }
                let narrowed = try await inTransaction(runner, scope) { r in
                    try await r.rollups.dailyFigures(
                        in: org, days: days, timeZone: zone, dimensions: .organization, instanceIDs: [instances[1]],
                        campaignID: campaign)
                }
                #expect(narrowed == narrowedExpected, "\(zone.identifier) narrowed")
            }
            let now = base.addingTimeInterval(8 * 86_400)
            for policy in [EngagementPolicy(), EngagementPolicy(activeWindow: .seconds(86_400 * 5), engagedMinimumReplies: 1, engagedLookback: 3)] {
                let expected = try await memory.transaction(scope) { tx in
                    try await tx.contactActivities.segmentCounts(in: org, policy: policy, asOf: now)
                }
                let counted = try await inTransaction(runner, scope) { r in
                    try await r.activities.segmentCounts(in: org, policy: policy, asOf: now)
                }
                #expect(counted == expected, "\(policy)")
                for segment in EngagementSegment.allCases {
                    let members = try await memory.transaction(scope) { tx in
                        try await tx.contactActivities.contacts(in: segment, policy: policy, asOf: now, of: org, page: .all)
                            .items.map(\.id)
                    }
                    let found = try await inTransaction(runner, scope) { r in
                        try await r.activities.contacts(in: segment, policy: policy, asOf: now, of: org, page: .all)
                            .items.map(\.id)
                    }
                    #expect(found == members, "\(segment)")
                }
            }
            for contact in contacts {
                let expected = try await memory.transaction(scope) { try await $0.contactActivities.find(contact: contact.id, in: org) }
                let found = try await inTransaction(runner, scope) { try await $0.activities.find(contact: contact.id, in: org) }
                #expect(found?.outboundCount == expected?.outboundCount && found?.repliedCount == expected?.repliedCount)
                #expect(found?.recentOutbound.map(\.messageID) == expected?.recentOutbound.map(\.messageID))
                #expect(found?.recentOutbound.map(\.replied) == expected?.recentOutbound.map(\.replied))
            }
        }
    }
}
