import Foundation
import Testing
import WACoreTesting

@testable import WACore

/// ``DigitPattern`` against Swift's `Regex`, the engine it replaces, over every pattern of the phone metadata.
@Suite("DigitPattern")
struct DigitPatternTests {
    @Test func matchesLikeRegexOverEveryMetadataPattern() throws {
        var random = SeededRandomSource(seed: 42).generator
        var sources = Set<String>()
        for entry in PhoneNumberMetadata.all { for pattern in entry.patterns where !pattern.isEmpty { sources.insert(pattern.source) } }
        #expect(sources.count > 1_000)
        var compared = 0
        for source in sources.sorted() {
            let pattern = try #require(DigitPattern(source), "compiles: \(source)")
            let regex = try Regex(source)
            // Inputs that reach into the pattern: random digit strings, and strings that follow the pattern's own
            // digits (its literal digits in order, padded and cut), so that most alternatives are entered.
            let literal = source.unicodeScalars.filter { ("0"..."9").contains($0) }.map { UInt8($0.value) }
            var inputs: [[UInt8]] = [[]]
            for _ in 0..<12 {
                let length = Int.random(in: 1...17, using: &random)
                inputs.append((0..<length).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &random) })
                let start = literal.isEmpty ? 0 : Int.random(in: 0..<literal.count, using: &random)
                let taken = Array(literal.dropFirst(start).prefix(length))
                inputs.append(taken + (0..<max(0, length - taken.count)).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &random) })
            }
            for input in inputs {
                let text = String(decoding: input, as: UTF8.self)
                let whole = (try regex.wholeMatch(in: text)) != nil
                #expect(pattern.wholeMatch(input) == whole, "\(source) whole \(text)")
                let prefix = try regex.prefixMatch(in: text)
                let expectedEnd = prefix.map { text.utf8.distance(from: text.startIndex, to: $0.range.upperBound) }
                let match = pattern.prefixMatch(input)
                #expect(match?.end == expectedEnd, "\(source) prefix \(text)")
                if let prefix, let match {
                    let expectedGroups = (1..<prefix.output.count).map { index in
                        prefix.output[index].range.map {
                            text.utf8.distance(from: text.startIndex, to: $0.lowerBound)
                                ..< text.utf8.distance(from: text.startIndex, to: $0.upperBound)
                        }
                    }
                    #expect(match.groups == expectedGroups, "\(source) groups \(text)")
                }
                compared += 1
            }
        }
        #expect(compared > 25_000)
    }

    @Test func refusesWhatTheMetadataNeverWrites() {
        for source in ["a", "\\w", "[a-z]", "(?=1)", "1*", "1+", "1{2,}", "(1", "1)", "[9-1]", "[]", "\\", "1{99}"] {
            #expect(DigitPattern(source) == nil, "\(source)")
        }
    }

    @Test func semanticsOfTheSupportedDialect() throws {
        func whole(_ source: String, _ text: String) throws -> Bool {
            try #require(DigitPattern(source)).wholeMatch(Array(text.utf8))
        }
        #expect(try whole("1|12", "12"), "a full match tries every alternative")
        #expect(DigitPattern("1|12")?.prefixMatchLength(Array("12".utf8)) == 1, "a prefix match takes the first")
        #expect(DigitPattern("\\d{2,4}")?.prefixMatchLength(Array("123456".utf8)) == 4, "greedy")
        #expect(try whole("[2-46]\\d?", "5") == false)
        #expect(try whole("[2-46]\\d?", "69"))
        #expect(DigitPattern("(\\d{3})$|1")?.prefixMatch(Array("1234".utf8))?.end == 1, "`$` only at the end")
        let groups = try #require(DigitPattern("0(?:(1\\d)|2)?(5)?")?.prefixMatch(Array("0155".utf8)))
        #expect(groups.end == 4 && groups.groups == [1..<3, 3..<4])
        #expect(try whole("", ""), "the empty pattern matches the empty string")
        #expect(try whole("1", "x") == false, "non-digits never match")
    }
}
