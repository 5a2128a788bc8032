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

    @Test("count(after:cursor:) agrees with a linear count whatever the bounds do, as the log grows and wraps")
    func cursorSearchMatchesLinearCount() {
        let random = SeededRandomSource(seed: 11)
        var generator = random.generator
        for capacity in [1, 5, 16, 17, 100] {
            var log = SendLog(capacity: capacity)
            var at: Int64 = 1_000
            var bounds = [Int64](repeating: 900, count: SendLog.cursorCount + 1)
            for step in 0..<(capacity * 4 + 40) {
                if Int.random(in: 0..<3, using: &generator) > 0 {
                    at += Int64.random(in: 0...4, using: &generator)  // ties included
                    log.record(RateLimitInstant(nanosecondsSinceEpoch: at))
                }
                let events = log.events.map(\.nanosecondsSinceEpoch)
                #expect(events.count == min(capacity, events.count) && events == events.sorted())
                for cursor in bounds.indices {  // the last one is out of range: a plain search
                    // Mostly forward, as a sliding window moves; sometimes far back or far ahead.
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0: bounds[cursor] -= Int64.random(in: 0...200, using: &generator)
                    case 1: bounds[cursor] += Int64.random(in: 0...200, using: &generator)
                    default: bounds[cursor] += Int64.random(in: 0...3, using: &generator)
                    }
                    let bound = bounds[cursor]
                    let expected = events.filter { $0 > bound }.count
                    let counted = log.count(after: RateLimitInstant(nanosecondsSinceEpoch: bound), cursor: cursor)
                    #expect(counted == expected, "capacity \(capacity), step \(step), cursor \(cursor)")
                }
            }
        }
    }

    @Test("A log keeps the latest `capacity` events however its storage grew; cursors and storage are not its value")
    func growthKeepsTheLatestEvents() {
        var grown = SendLog(capacity: 1_000)
        for second in 1...2_500 { grown.record(RateLimitInstant(nanosecondsSinceEpoch: Int64(second))) }
        #expect(grown.count == 1_000)
        #expect(grown.events.first?.nanosecondsSinceEpoch == 1_501)
        #expect(grown.latest?.nanosecondsSinceEpoch == 2_500)
        #expect(grown.recent(1_000)?.nanosecondsSinceEpoch == 1_501)

        // The same events through another history of storage sizes and cursor positions.
        let rebuilt = SendLog(events: grown.events, capacity: 1_000)
        _ = grown.count(after: RateLimitInstant(nanosecondsSinceEpoch: 2_000), cursor: 0)
        #expect(rebuilt == grown)
        #expect(rebuilt.hashValue == grown.hashValue)

        // Raising the capacity keeps every event and lets the log hold more; lowering it keeps the latest.
        var raised = grown.resized(to: 2_000)
        raised.record(RateLimitInstant(nanosecondsSinceEpoch: 2_501))
        #expect(raised.count == 1_001 && raised.capacity == 2_000)
        let lowered = grown.resized(to: 10)
        #expect(lowered.events.map(\.nanosecondsSinceEpoch) == Array(2_491...2_500).map(Int64.init))
    }
}
