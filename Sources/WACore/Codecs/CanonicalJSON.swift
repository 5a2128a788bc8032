/// The byte-stable JSON writer for webhook payloads.
///
/// The output is fully determined by the ``JSONValue``:
/// - no whitespace anywhere; object members in the value's order (never re-sorted); array elements in order;
/// - strings: `"` and `\` are escaped as `\"` and `\\`; the control characters U+0000–U+001F as `\b`, `\f`, `\n`,
///   `\r`, `\t` where RFC 8259 has a short form and as `\u00XX` (lowercase hex) otherwise; everything else,
///   including `/`, DEL and all non-ASCII characters, is written as its UTF-8 bytes (Swift strings are always
///   valid Unicode, so the output is always valid UTF-8);
/// - ``JSONValue/integer(_:)``: decimal, `-` for negatives;
/// - ``JSONValue/number(_:)``: as ECMAScript's `Number.prototype.toString` writes it, which is also the number
///   format of the JSON Canonicalization Scheme (RFC 8785 §3.2.2.3): the shortest digits that read back to the
///   same `Double`, positional notation for magnitudes in [1e-6, 1e21) (`2`, `0.1`, `0.000001`,
///   `9255025008148690`), exponent notation otherwise (`1e-7`, `1.5e+300`); `-0.0` as `0`; NaN and ±infinity,
///   which JSON cannot express, as `null`. So a JavaScript receiver that re-serialises a payload with
///   `JSON.stringify` gets the same number text;
/// - `true`, `false`, `null`.
///
/// Timestamps inside payloads are strings in ``RFC3339Timestamp`` form.
///
/// Hand-written because signatures cover these exact bytes, and `JSONEncoder` promises no byte-stable output (it
/// escapes `/`, formats numbers its own way and, unless told to sort, orders keys as it likes).
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Appends the canonical bytes of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: nullBytes)
        case .bool(let flag):
            out.append(contentsOf: flag ? trueBytes : falseBytes)
        case .integer(let integer):
            out.append(contentsOf: String(integer).utf8)
        case .number(let number):
            writeNumber(number, into: &out)
        case .string(let string):
            writeString(string, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a JSON string literal.
    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeNumber(_ number: Double, into out: inout [UInt8]) {
        guard number.isFinite else {
            out.append(contentsOf: nullBytes)
            return
        }
        guard number != 0 else {
            out.append(UInt8(ascii: "0"))
            return
        }
        if number < 0 { out.append(UInt8(ascii: "-")) }
        // Swift's description holds the shortest round-tripping digits (as ECMAScript requires); only the layout
        // differs. Read it as digits × 10^(point − digits.count), then lay it out per ECMA-262 Number::toString.
        let text = Array(number.magnitude.description.utf8)
        var digits: [UInt8] = []
        var point = 0
        var exponent = 0
        var seenPoint = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(byte)
                if !seenPoint { point += 1 }
            }
            index += 1
        }
        point += exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let n = point  // value = 0.d1d2…dk × 10^n
        if k <= n && n <= 21 {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            out.append(contentsOf: String((n - 1).magnitude).utf8)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)
    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
}
