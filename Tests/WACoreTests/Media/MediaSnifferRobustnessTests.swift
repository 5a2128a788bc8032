import Foundation
import Testing
import WACore

/// Truncated and damaged samples: the sniffer never crashes, and answers with a typed error or a verdict
/// consistent with the whole file's.
@Suite("Media sniffer robustness")
struct MediaSnifferRobustnessTests {
    /// Lengths every sample is cut to (those shorter than the sample).
    static func cutLengths(for count: Int) -> [Int] {
        let fixed = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 20, 21, 24, 27, 28, 31, 32, 35, 36, 40, 48, 63,
            64, 65, 100, 128, 255, 256, 511, 512, 513, 1000, 1024, 2048, 4096, 8192, 65_536,
        ]
        return Set(fixed + [count / 3, count / 2, count - 1]).filter { $0 < count }.sorted()
    }

    /// Whether `bytes` would pass as text on their own (valid UTF-8, no NUL, few controls), checked independently
    /// of the sniffer with Foundation.
    static func isPlainText(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let text = String(bytes: bytes, encoding: .utf8) else { return false }
        let allowed: Set<UInt32> = [0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B]
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F || allowed.contains($0.value) }
    }

    @Test(
        "a file cut short is rejected with a typed error or keeps a consistent verdict", arguments: MediaCorpus.samples)
    func truncatedFiles(sample: MediaCorpus.Sample) throws {
        let bytes = try sample.contents()
        let whole = try MediaSniffer.sniff(file: bytes).type
        let consistent: Set<MediaType> = Set([whole, whole.generalization].compactMap { $0 })
        for length in Self.cutLengths(for: bytes.count) {
            let cut = bytes.prefix(length)
            do {
                let verdict = try MediaSniffer.sniff(cut, totalLength: Int64(length))
                let textual: Set<MediaType> = Self.isPlainText(cut) ? [.plainText, .csv] : []
                #expect(
                    consistent.union(textual).contains(verdict.type),
                    "\(sample.name) cut to \(length) bytes: \(verdict.type.rawValue)")
            } catch {
                if length == 0 {
                    #expect(error.code == .mediaEmpty)
                } else {
                    #expect(
                        [.mediaTruncatedHeader, .mediaUnsupportedType].contains(error.code),
                        "\(sample.name) cut to \(length) bytes: \(error)")
                }
            }
        }
    }

    @Test(
        "a short prefix of a longer file is a truncated header; a longer one keeps the verdict",
        arguments: MediaCorpus.samples)
    func prefixesOfLongerFiles(sample: MediaCorpus.Sample) throws {
        let bytes = try sample.contents()
        let whole = try MediaSniffer.sniff(file: bytes).type
        let consistent: Set<MediaType> = Set([whole, whole.generalization].compactMap { $0 })
        for length in Self.cutLengths(for: bytes.count) {
            let prefix = bytes.prefix(length)
            if length < MediaSniffer.minimumPrefixLength {
                expectWAError(.mediaTruncatedHeader) {
                    try MediaSniffer.sniff(prefix, totalLength: Int64(bytes.count))
                }
            } else {
                let verdict = try MediaSniffer.sniff(prefix, totalLength: Int64(bytes.count))
                #expect(consistent.contains(verdict.type), "\(sample.name) prefix \(length): \(verdict.type.rawValue)")
            }
        }
    }

    @Test("damaged headers never crash the sniffer", arguments: MediaCorpus.samples)
    func damagedHeaders(sample: MediaCorpus.Sample) throws {
        let original = try sample.contents()
        let random = SeededRandomSource(seed: 0x4D45_4449_41 &+ UInt64(original.count))
        var generator = random.generator
        for _ in 0..<200 {
            var bytes = original
            let window = min(bytes.count, 600)
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                bytes[Int.random(in: 0..<window, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let length = Int.random(in: 1...bytes.count, using: &generator)
            do {
                _ = try MediaSniffer.sniff(bytes.prefix(length), totalLength: Int64(length))
            } catch {
                #expect([.mediaTruncatedHeader, .mediaUnsupportedType].contains(error.code))
            }
        }
    }
}
