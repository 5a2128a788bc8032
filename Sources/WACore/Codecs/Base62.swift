/// Fixed-width Base62 used by the API key format (``APIKeySecret``).
///
/// The alphabet is `0-9A-Za-z` in that order (digit value 0 is `"0"`, 10 is `"A"`, 36 is `"a"`, 61 is `"z"`).
/// Numbers are big-endian and written with exactly `width` digits, left-padded with `"0"`, so the encoding of a
/// value at a given width is unique.
///
/// Hand-written because neither Foundation nor swift-crypto has Base62, and this fixed-width form is our key format.
enum Base62 {
    /// The 62 digits in value order.
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The value of one ASCII digit, or `nil` when `character` is not in the alphabet.
    static func digitValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 36
        default: nil
        }
    }

    /// Whether every byte of `characters` is a Base62 digit.
    static func isValid(_ characters: some Sequence<UInt8>) -> Bool {
        characters.allSatisfy { digitValue($0) != nil }
    }

    /// Whether every byte of `characters` is a Base62 digit, examining all of them (no branch per character).
    static func isValid(_ characters: UnsafeBufferPointer<UInt8>) -> Bool {
        var invalid: UInt8 = 0
        for character in characters {
            // Each test is 0 or 1; a character is valid when exactly one range contains it.
            let isDigit = UInt8(truncatingIfNeeded: (character &- UInt8(ascii: "0")) < 10 ? 1 : 0)
            let isUpper = UInt8(truncatingIfNeeded: (character &- UInt8(ascii: "A")) < 26 ? 1 : 0)
            let isLower = UInt8(truncatingIfNeeded: (character &- UInt8(ascii: "a")) < 26 ? 1 : 0)
            invalid |= (isDigit | isUpper | isLower) ^ 1
        }
        return invalid == 0
    }

    /// The value of a character already known to be a digit (checked with `isValid`).
    @inline(__always)
    private static func validDigitValue(_ character: UInt8) -> UInt64 {
        if character <= UInt8(ascii: "9") { return UInt64(character &- UInt8(ascii: "0")) }
        if character <= UInt8(ascii: "Z") { return UInt64(character &- UInt8(ascii: "A") &+ 10) }
        return UInt64(character &- UInt8(ascii: "a") &+ 36)
    }

    /// The value of at most 10 digits already known to be valid (62¹⁰ < 2⁶⁴, so it always fits).
    static func decodeValidUInt64(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64 {
        precondition(digits.count <= 10, "more than 10 Base62 digits do not fit in 64 bits")
        var value: UInt64 = 0
        for character in digits { value = value &* 62 &+ validDigitValue(character) }
        return value
    }

    /// Whether the digits (already known to be valid) denote a value below 2²⁵⁶, i.e. fit in 32 bytes.
    ///
    /// Fixed-size arithmetic instead of a byte-array bignum: the digits are taken ten at a time (62¹⁰ < 2⁶⁰) and
    /// folded into four 64-bit limbs with one 64×64→128-bit multiply per limb.
    static func validDigitsFitIn256Bits(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // little-endian
        var start = 0
        var chunk = digits.count % 10 == 0 ? 10 : digits.count % 10
        while start < digits.count {
            var value: UInt64 = 0
            var multiplier: UInt64 = 1
            for character in digits[start..<(start + chunk)] {
                value = value &* 62 &+ validDigitValue(character)
                multiplier &*= 62
            }
            // limbs = limbs * multiplier + value; a carry out of the top limb means the value is ≥ 2²⁵⁶ (and,
            // since it only grows from here, stays so).
            var carry = value
            func step(_ limb: inout UInt64) {
                let (high, low) = limb.multipliedFullWidth(by: multiplier)
                let (sum, overflow) = low.addingReportingOverflow(carry)
                limb = sum
                carry = high &+ (overflow ? 1 : 0)  // high < multiplier < 2⁶⁰: cannot wrap
            }
            step(&limbs.0)
            step(&limbs.1)
            step(&limbs.2)
            step(&limbs.3)
            guard carry == 0 else { return false }
            start += chunk
            chunk = 10
        }
        return true
    }

    /// Writes the big-endian unsigned integer `bytes` as exactly `width` digits, or returns `nil` when the value needs
    /// more than `width` digits.
    static func encode(_ bytes: [UInt8], width: Int) -> [UInt8]? {
        var number = bytes
        var digits = [UInt8](repeating: alphabet[0], count: width)
        var position = width
        while number.contains(where: { $0 != 0 }) {
            guard position > 0 else { return nil }
            var remainder: UInt16 = 0
            for index in number.indices {
                let accumulator = remainder << 8 | UInt16(number[index])
                number[index] = UInt8(truncatingIfNeeded: accumulator / 62)
                remainder = accumulator % 62
            }
            position -= 1
            digits[position] = alphabet[Int(remainder)]
        }
        return digits
    }

    /// Reads `digits` as a big-endian number of exactly `byteCount` bytes; `nil` when a character is not a digit or
    /// the value does not fit in `byteCount` bytes.
    static func decode(_ digits: some Sequence<UInt8>, byteCount: Int) -> [UInt8]? {
        var number = [UInt8](repeating: 0, count: byteCount)
        for character in digits {
            guard let value = digitValue(character) else { return nil }
            var carry = UInt16(value)
            for index in number.indices.reversed() {
                let accumulator = UInt16(number[index]) * 62 + carry
                number[index] = UInt8(truncatingIfNeeded: accumulator)
                carry = accumulator >> 8
            }
            guard carry == 0 else { return nil }
        }
        return number
    }

    /// `count` uniformly distributed digits drawn from `random` (rejection sampling: bytes ≥ 248 are discarded so
    /// every digit has probability exactly 1/62).
    static func randomDigits(count: Int, using random: any RandomSource) -> [UInt8] {
        var digits = [UInt8]()
        digits.reserveCapacity(count)
        while digits.count < count {
            for byte in random.bytes(count - digits.count + 4) where byte < 248 && digits.count < count {
                digits.append(alphabet[Int(byte % 62)])
            }
        }
        return digits
    }
}
