/// Standard base64 (RFC 4648 §4) for signatures and secrets, without going through `Data`.
///
/// Encoding always pads. Decoding is strict about the alphabet (no whitespace, no URL-safe characters) but accepts
/// input with or without its trailing `=` padding, as the Standard Webhooks reference libraries do for secrets.
enum Base64 {
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for index in 0..<64 { table[Int(digits.utf8Start[index])] = UInt8(index) }
        return table
    }()

    /// The 64 digits in value order, as static data (no array, no bounds checks on the hot path).
    private static var digits: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }

    /// The length of the padded encoding of `byteCount` bytes.
    static func encodedCount(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Writes the padded encoding of `bytes` to the start of `out` (which must hold ``encodedCount(_:)`` bytes)
    /// and returns the number of bytes written.
    static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = encodedCount(bytes.count)
        precondition(out.count >= count, "base64 output buffer too small")
        let digit = digits.utf8Start
        var input = 0
        var output = 0
        while bytes.count - input >= 3 {
            let group = UInt32(bytes[input]) << 16 | UInt32(bytes[input + 1]) << 8 | UInt32(bytes[input + 2])
            out[output] = digit[Int(group >> 18)]
            out[output + 1] = digit[Int(group >> 12 & 0x3F)]
            out[output + 2] = digit[Int(group >> 6 & 0x3F)]
            out[output + 3] = digit[Int(group & 0x3F)]
            input += 3
            output += 4
        }
        let remaining = bytes.count - input
        if remaining > 0 {
            let b0 = UInt32(bytes[input])
            let b1 = remaining > 1 ? UInt32(bytes[input + 1]) : 0
            let group = b0 << 16 | b1 << 8
            out[output] = digit[Int(group >> 18)]
            out[output + 1] = digit[Int(group >> 12 & 0x3F)]
            out[output + 2] = remaining > 1 ? digit[Int(group >> 6 & 0x3F)] : UInt8(ascii: "=")
            out[output + 3] = UInt8(ascii: "=")
            output += 4
        }
        return output
    }

    /// `bytes` as padded base64 text.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) {
            return text
        }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// `bytes` as padded base64 text, written straight into the string's storage.
    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: encodedCount(bytes.count)) { encode(bytes, into: $0) }
    }

    /// The bytes of padded or unpadded base64 text; `nil` for a character outside the alphabet, misplaced or
    /// excess padding, an impossible length, or non-zero trailing bits.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var characters = Array(text.utf8)
        var padding = 0
        while characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            padding += 1
        }
        guard padding <= 2, characters.count % 4 != 1 else { return nil }
        if padding > 0, (characters.count + padding) % 4 != 0 { return nil }
        var out = [UInt8]()
        out.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in characters {
            let value = reverse[Int(character)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero, so every text decodes from exactly one byte string.
        guard accumulator == 0 else { return nil }
        return out
    }
}
