import Foundation
import Testing
import WACore
import WACoreTesting

@Suite struct IdentifierTests {
    enum Thing {}

    @Test func generatedIdentifiersAreVersion7AndStrictlyIncreasing() {
        let clock = TestClock()
        let generator = IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: 1))
        var previous: Identifier<Thing>? = nil
        for i in 0..<10_000 {
            if i % 1000 == 0 { clock.advance(by: .milliseconds(1)) }
            let id = generator.make(Thing.self)
            #expect(id.version == 7)
            #expect(id.low >> 62 == 0b10, "RFC 9562 variant bits")
            if let previous { #expect(previous < id) }
            previous = id
        }
    }

    @Test func orderSurvivesAClockStepBackwards() {
        let clock = TestClock()
        let generator = IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: 2))
        let before = generator.make(Thing.self)
        clock.advance(by: .seconds(-30))
        let after = generator.make(Thing.self)
        #expect(before < after)
    }

    @Test func timestampIsTheClockInMilliseconds() {
        let clock = TestClock(now: Date(timeIntervalSince1970: 1_767_225_600.123))
        let id = IdentifierGenerator(clock: clock, random: SystemRandomSource()).make(Thing.self)
        #expect(abs(id.timestamp.timeIntervalSince1970 - 1_767_225_600.123) < 0.001)
    }

    @Test func stringAndCodableRoundTrip() throws {
        let id = IdentifierGenerator(clock: TestClock(), random: SeededRandomSource(seed: 3)).make(Thing.self)
        #expect(Identifier<Thing>(id.description) == id)
        #expect(id.description == id.description.lowercased())
        let data = try JSONEncoder().encode([id])
        #expect(try JSONDecoder().decode([Identifier<Thing>].self, from: data) == [id])
        #expect(Identifier<Thing>(uuid: id.uuid) == id)
    }

    @Test(arguments: ["", "not-a-uuid", "0190b7c1-7e4c-7000-8000-00000000000", "{0190b7c1-7e4c-7000-8000-000000000000}"])
    func rejectsMalformedText(_ text: String) {
        #expect(Identifier<Thing>(text) == nil)
        expectWAError(.invalidIdentifier) { try Identifier<Thing>(parsing: text, field: "thing_id") }
    }

    @Test func seededSourceIsReproducibleAndSpreadsBits() {
        let a = SeededRandomSource(seed: 42), b = SeededRandomSource(seed: 42)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(Set(xs).count == 100)
        let ones = xs.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect((2900...3500).contains(ones), "about half of 6400 bits set")
    }
}
