/// Lowercase hexadecimal for digests and salts in the Security files.
enum HexCoding {
    /// The 16 digits in value order, as static data.
    private static var digits: StaticString { "0123456789abcdef" }

    /// Writes `bytes` as lowercase hex to the start of `out` (at least twice as long) and returns the count written.
    static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(out.count >= bytes.count * 2, "hex output buffer too small")
        let digit = digits.utf8Start
        for index in bytes.indices {
            out[2 * index] = digit[Int(bytes[index] >> 4)]
            out[2 * index + 1] = digit[Int(bytes[index] & 0x0F)]
        }
        return bytes.count * 2
    }

    /// `bytes` as lowercase hex, two characters per byte.
    static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { encode(raw, into: $0) }
        }
    }

    /// The bytes of a hex string (either case); `nil` for an odd length or a non-hex character.
    static func decode(_ text: String) -> [UInt8]? {
        let characters = text.utf8
        guard characters.count.isMultiple(of: 2) else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: characters.count / 2) { buffer, initialized in
            valid = decode(characters, into: buffer)
            initialized = valid ? buffer.count : 0
        }
        return valid ? out : nil
    }

    /// Decodes the hex digits `characters` (either case) into `out`, which must be exactly half as long; `false`
    /// (with `out` partly written) for a wrong length or a non-hex character.
    static func decode(_ characters: some Collection<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard characters.count == out.count * 2 else { return false }
        var index = 0
        var iterator = characters.makeIterator()
        while let first = iterator.next(), let second = iterator.next() {
            guard let high = nibble(first), let low = nibble(second) else { return false }
            out[index] = high << 4 | low
            index += 1
        }
        return true
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
