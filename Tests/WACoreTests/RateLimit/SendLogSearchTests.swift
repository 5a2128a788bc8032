import Testing
import WACore

@Suite("Send log search")
struct SendLogSearchTests {
    @Test("count(after:) agrees with a linear count, for every bound, full and wrapped rings included")
    func countAfterMatchesLinearCount() {
        let random = SeededRandomSource(seed: 7)
        var generator = random.generator
        for capacity in [1, 2, 3, 7, 64] {
            for recorded in 0...(capacity * 2 + 1) {
                var log = SendLog(capacity: capacity)
                var at: Int64 = 1_000
                for _ in 0..<recorded {
                    at += Int64.random(in: 0...3, using: &generator)  // ties included
                    log.record(RateLimitInstant(nanosecondsSinceEpoch: at))
                }
                let events = log.events.map(\.nanosecondsSinceEpoch)
                for bound in 990...(at + 2) {
                    let expected = events.filter { $0 > bound }.count
                    #expect(log.count(after: RateLimitInstant(nanosecondsSinceEpoch: bound)) == expected)
                }
            }
        }
    }
}
