import Foundation
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// The rate-limit store on a real server: the same contract as the memory store (8 clients racing one key among
/// its cases), and the state's byte encoding.
@Suite("PostgreSQL rate-limit store")
struct PostgresRateLimitStoreTests {
    @Test(arguments: RateLimitStoreContract.cases)
    func contract(_ contractCase: RateLimitStoreContract.Case) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let store = PostgresRateLimitStore(runner: PostgresTransactionRunner(client: client, logger: TestDatabase.logger))
            try await contractCase.run(on: store)
        }
    }

    @Test func aRememberedKeyIsDecidedInOneStatementAndAStaleMemoryIsCaught() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            // Two nodes: each its own store, remembering what it saw.
            let runnerA = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let (nodeA, nodeB) = (PostgresRateLimitStore(runner: runnerA), PostgresRateLimitStore(runner: runnerA))
            let key = RateLimitKey.organizationMessages(OrganizationID(uuid: UUID()))
            let quota = try DailyQuota(limit: 5)
            let now = RateLimitInstant(Date(timeIntervalSince1970: 1_767_225_600))
            func consume(_ store: PostgresRateLimitStore, _ quantity: Int) async throws -> Bool {
                try await store.consume(key, quota: quota, quantity: quantity, now: now).isAllowed
            }

            #expect(try await consume(nodeA, 2))  // first sight: a locked transaction
            let transactions = runnerA.transactionsRun
            #expect(try await consume(nodeA, 1))  // remembered: one statement, no transaction
            #expect(runnerA.transactionsRun == transactions, "a remembered key is decided without a transaction")

            // Node B counts 2 more; A's memory (3 used) is stale: its swap fails and it decides on the stored 5.
            #expect(try await consume(nodeB, 2))
            let refused = try await consume(nodeA, 1)
            #expect(!refused, "5 of 5 are used, whatever node A remembered")

            // B resets the key; A remembers it exhausted, but must not refuse on that memory.
            try await nodeB.update(key, now: now) { $0 = nil }
            let allowed = try await consume(nodeA, 5)
            #expect(allowed, "the reset is seen: a refusal is never made on a stale state")
            #expect(try await consume(nodeB, 1) == false)
        }
    }

    @Test func rateLimitSwapRefusesArraysOfDifferentLengths() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let error = await #expect(throws: (any Error).self) {
                _ = try await client.query(
                    "SELECT * FROM rate_limit_swap(ARRAY[1], ARRAY[]::uuid[], ARRAY[]::uuid[], ARRAY[true], ARRAY[''::bytea], ARRAY[''::bytea], ARRAY[0::bigint], 0)",
                    logger: TestDatabase.logger
                ).collect()
            }
            #expect(String(reflecting: error).contains("22023"))
        }
    }

    @Test func everyKindOfStateSurvivesItsEncoding() throws {
        var tiers = TieredRateLimitState()
        tiers[0] = RateLimitInstant(nanosecondsSinceEpoch: 1_700_000_000_123_456_789)
        tiers[2] = RateLimitInstant(nanosecondsSinceEpoch: -5)
        let log = SendLog(
            events: [1, 2, 3_000_000_000].map { RateLimitInstant(nanosecondsSinceEpoch: $0) }, capacity: 20)
        let states: [RateLimitState] = [
            .gcra(tiers), .gcra(TieredRateLimitState()), .dailyQuota(DailyQuotaState(day: 20_000, used: 17)),
            .sendPacing(SendPacingState(log: log, notBefore: RateLimitInstant(nanosecondsSinceEpoch: 99), horizon: .seconds(86_400))),
            .sendPacing(SendPacingState(log: SendLog(capacity: 3), horizon: .milliseconds(1_500))),
        ]
        for state in states {
            #expect(RateLimitStateCodec.decode(RateLimitStateCodec.encode(state)) == state)
        }
        // The stored layout: a tag byte, then big-endian words (rows written by earlier versions read the same).
        let quota = Data([2, 0, 0, 0, 0, 0, 0, 0x4E, 0x20, 0, 0, 0, 0, 0, 0, 0, 3])
        #expect(RateLimitStateCodec.encode(.dailyQuota(DailyQuotaState(day: 20_000, used: 3))) == quota)
        #expect(RateLimitStateCodec.decode(quota) == .dailyQuota(DailyQuotaState(day: 20_000, used: 3)))
        #expect(RateLimitStateCodec.decode(quota.dropLast()) == nil, "a partial word")
        #expect(RateLimitStateCodec.decode(Data()) == nil)
        #expect(RateLimitStateCodec.decode(Data([9, 0, 0, 0, 0, 0, 0, 0, 0])) == nil)
    }
}
