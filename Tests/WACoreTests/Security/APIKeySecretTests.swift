import Crypto
import Testing
@testable import WACore

@Suite("API keys")
struct APIKeySecretTests {
    /// Built independently with Python (`zlib.crc32`, big-endian Base62 over `0-9A-Za-z`): key id `0123456789`,
    /// secret = the 32 bytes 0x00…0x1f.
    static let pythonVector = "wa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ"
    static let pythonVectorSHA256 = "857602b1fdab5bb212bf7dd68354cfa63b5f7c2d651a40f32b6a24adebe18ad3"
    /// The largest secret (2^256 - 1), also from Python.
    static let maximumSecretVector = "wa_live_AbCdEfGhIj_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp14MSK3j"

    static func sampleKeys(_ count: Int, seed: UInt64 = 7) -> [APIKeySecret] {
        let random = SeededRandomSource(seed: seed)
        return (0..<count).map { index in
            APIKeySecret.generate(environment: index.isMultiple(of: 2) ? .live : .test, using: random)
        }
    }

    @Test func crc32CheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    /// Slicing-by-8 against the bit-by-bit definition, for every length around the 8-byte steps, from contiguous
    /// storage and from a sequence that has none.
    @Test func crc32AgreesWithTheBitwiseDefinition() {
        func bitwise(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        let random = SeededRandomSource(seed: 32)
        for length in 0...70 {
            let bytes = random.bytes(length)
            #expect(CRC32.checksum(bytes) == bitwise(bytes), "length \(length)")
            #expect(CRC32.checksum(bytes.lazy.map { $0 }) == bitwise(bytes), "length \(length), no contiguous storage")
        }
    }

    @Test func base62RoundTripsAndRejectsOverflow() throws {
        let random = SeededRandomSource(seed: 99)
        for _ in 0..<200 {
            let bytes = random.bytes(32)
            let digits = try #require(Base62.encode(bytes, width: 43))
            #expect(digits.count == 43)
            #expect(Base62.decode(digits, byteCount: 32) == bytes)
        }
        #expect(Base62.encode([0xFF, 0xFF, 0xFF, 0xFF], width: 6) == Array("4gfFC3".utf8))
        #expect(Base62.encode([0xFF, 0xFF, 0xFF, 0xFF], width: 5) == nil)
        #expect(Base62.encode([UInt8](repeating: 0xFF, count: 32), width: 43) != nil)
        #expect(Base62.decode(Array("zzzzzz".utf8), byteCount: 4) == nil)
        #expect(Base62.decode(Array("00-0".utf8), byteCount: 4) == nil)
        #expect(Base62.encode([0, 0], width: 3) == Array("000".utf8))
    }

    @Test func matchesIndependentPythonVectors() throws {
        let key = try APIKeySecret(parsing: Self.pythonVector)
        #expect(key.environment == .test)
        #expect(key.lookupID == "0123456789")
        #expect(key.digest.hex == Self.pythonVectorSHA256)
        #expect(key.lastFour == "JLrJ")
        let maximum = try APIKeySecret(parsing: Self.maximumSecretVector)
        #expect(maximum.environment == .live)
        #expect(maximum.lookupID == "AbCdEfGhIj")
    }

    @Test(arguments: APIKeySecret.Environment.allCases)
    func generateParseRoundTrip(environment: APIKeySecret.Environment) throws {
        let random = SeededRandomSource(seed: 1)
        let pattern = try Regex(APIKeySecret.scannerPattern)
        for _ in 0..<100 {
            let key = APIKeySecret.generate(environment: environment, using: random)
            let text = key.reveal()
            #expect(text.utf8.count == APIKeySecret.length)
            #expect(text.hasPrefix("wa_\(environment.rawValue)_\(key.lookupID)_"))
            #expect(key.lookupID.utf8.count == APIKeySecret.lookupIDLength)
            #expect(text.wholeMatch(of: pattern) != nil)
            #expect("token=\(text);".contains(pattern))
            let parsed = try APIKeySecret(parsing: text)
            #expect(parsed.reveal() == text)
            #expect(parsed.lookupID == key.lookupID)
            #expect(parsed.environment == environment)
            #expect(parsed.digest == key.digest)
            #expect(parsed.matches(key.digest))
        }
    }

    @Test func generationIsDeterministicForASeedAndDistinctOtherwise() {
        let first = APIKeySecret.generate(environment: .live, using: SeededRandomSource(seed: 5))
        let again = APIKeySecret.generate(environment: .live, using: SeededRandomSource(seed: 5))
        #expect(first.reveal() == again.reveal())
        let keys = Self.sampleKeys(500)
        #expect(Set(keys.map { $0.reveal() }).count == 500)
        #expect(Set(keys.map(\.lookupID)).count == 500)
    }

    @Test func keyIDDigitsAreRoughlyUniform() {
        var counts = [Character: Int]()
        for key in Self.sampleKeys(620, seed: 11) {
            for character in key.lookupID { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 62)  // every digit appears (expected 100 each)
        #expect(counts.values.allSatisfy { (50...160).contains($0) })
    }

    @Test func everySingleCharacterSubstitutionIsRejected() {
        let replacements = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-. +/=".utf8)
        var tried = 0
        var accepted: [String] = []
        for key in Self.sampleKeys(20) {
            let original = Array(key.reveal().utf8)
            for position in original.indices {
                for replacement in replacements where replacement != original[position] {
                    var typo = original
                    typo[position] = replacement
                    tried += 1
                    if (try? APIKeySecret(parsing: String(decoding: typo, as: UTF8.self))) != nil {
                        accepted.append("\(key.lookupID)@\(position)")
                    }
                }
            }
        }
        #expect(tried == 20 * 68 * 68)
        #expect(accepted.isEmpty)
    }

    @Test func everyAdjacentTranspositionAndDeletionIsRejected() {
        for key in Self.sampleKeys(20, seed: 3) {
            let original = Array(key.reveal().utf8)
            for position in original.indices.dropLast() where original[position] != original[position + 1] {
                var swapped = original
                swapped.swapAt(position, position + 1)
                expectWAError(.malformedAPIKey) { try APIKeySecret(parsing: String(decoding: swapped, as: UTF8.self)) }
            }
            for position in original.indices {
                var shorter = original
                shorter.remove(at: position)
                expectWAError(.malformedAPIKey) { try APIKeySecret(parsing: String(decoding: shorter, as: UTF8.self)) }
            }
        }
    }

    @Test(arguments: [
        "",
        "wa_live_",
        "WA_LIVE_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "wa_prod_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "xa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "wa_test-0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "wa_test_0123456789-003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        " wa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "wa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ\n",
        "wa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJx",
        "wa_test_012345678_9003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLrJ",
        "wa_test_0123456789_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf48JLré",
        // Secret ≥ 2^256 (43 × "z") with a correct checksum: out of range.
        "wa_live_AbCdEfGhIj_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz0i1r7e",
    ])
    func malformedKeysAreRejectedWithoutEchoingThem(text: String) {
        do {
            _ = try APIKeySecret(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .malformedAPIKey)
            #expect(!text.isEmpty ? !error.description.contains(text) : true)
            #expect(!error.description.contains("aUlTJC7tjl"))
        }
    }

    @Test func digestIsSHA256OfTheFullKeyAndRoundTripsThroughStorage() throws {
        let key = Self.sampleKeys(1)[0]
        let expected = Array(SHA256.hash(data: Array(key.reveal().utf8)))
        #expect(key.digest.bytes == expected)
        let stored = try APIKeyDigest(hex: key.digest.hex)
        #expect(stored == key.digest)
        #expect(key.matches(stored))
        #expect(try APIKeyDigest(hex: key.digest.hex.uppercased()) == stored)
        #expect(try APIKeyDigest(bytes: expected) == stored)
        let other = Self.sampleKeys(2, seed: 8)[1]
        #expect(!other.matches(stored))
        #expect(other.digest != stored)
        expectWAError(.invalidArgument) { try APIKeyDigest(bytes: Array(expected.dropLast())) }
        expectWAError(.invalidArgument) { try APIKeyDigest(hex: "abc") }
        expectWAError(.invalidArgument) { try APIKeyDigest(hex: String(repeating: "g", count: 64)) }
    }

    @Test func constantTimeEquals() {
        let base: [UInt8] = Array(0..<32)
        #expect(ConstantTime.equals(base, base))
        #expect(ConstantTime.equals([], []))
        for index in base.indices {
            for bit in 0..<8 {
                var other = base
                other[index] ^= 1 << bit
                #expect(!ConstantTime.equals(base, other))
            }
        }
        #expect(!ConstantTime.equals(base, Array(base.dropLast())))
        #expect(!ConstantTime.equals(base, base + [0]))
        #expect(!ConstantTime.equals([], [0]))
    }

    @Test func maskedKeyAndLastFour() {
        let key = Self.sampleKeys(1)[0]
        #expect(key.lastFour == String(key.reveal().suffix(4)))
        #expect(key.maskedKey == "wa_live_\(key.lookupID)_…\(key.lastFour)")
    }

    @Test func neitherKeyNorDigestLeaksThroughDescriptionsOrReflection() {
        for key in Self.sampleKeys(10, seed: 21) {
            let text = key.reveal()
            let secretPart = String(text.dropFirst(19))  // secret + checksum
            let digestHex = key.digest.hex
            var dumped = ""
            dump(key, to: &dumped)
            var dumpedDigest = ""
            dump(key.digest, to: &dumpedDigest)
            let renderings = [
                String(describing: key), String(reflecting: key), "\(key)", dumped,
                String(describing: key.digest), String(reflecting: key.digest), "\(key.digest)", dumpedDigest,
                String(describing: Mirror(reflecting: key).children.map { "\($0.label ?? ""):\($0.value)" }),
                String(describing: Mirror(reflecting: key.digest).children.map { "\($0.value)" }),
                String(describing: [key]), String(describing: Optional(key)),
            ]
            for rendering in renderings {
                #expect(!rendering.contains(secretPart))
                #expect(!rendering.contains(String(secretPart.prefix(12))))
                #expect(!rendering.contains(text))
                #expect(!rendering.contains(digestHex))
                #expect(!rendering.contains(String(digestHex.prefix(16))))
                #expect(!rendering.contains(String(describing: key.digest.bytes)))
            }
            #expect(String(describing: key) == "APIKeySecret(wa_\(key.environment.rawValue)_\(key.lookupID)_…)")
            #expect(dumped.contains(key.lookupID))
        }
    }
}
