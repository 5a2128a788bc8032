import Foundation
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
        #expect(RateLimitStateCodec.decode(Data()) == nil)
        #expect(RateLimitStateCodec.decode(Data([9, 0, 0, 0, 0, 0, 0, 0, 0])) == nil)
    }
}
