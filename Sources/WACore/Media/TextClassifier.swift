/// Decides whether bytes are plain text and whether that text looks like CSV.
enum TextClassifier {
    /// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) with
    /// no NUL and no C0 control character other than BEL, BS, TAB, LF, VT, FF, CR and ESC, nor DEL: the same set
    /// of "text characters" as `file(1)`.
    ///
    /// With `allowsIncompleteTail`, a multi-byte sequence cut by the end of a prefix is accepted.
    static func isText(_ bytes: MediaBytes, allowsIncompleteTail: Bool) -> Bool {
        let data = bytes.storage
        var index = 0
        while index < data.count {
            let lead = data[index]
            if lead < 0x80 {
                if !isTextByte(lead) { return false }
                index += 1
                continue
            }
            let (length, minimum): (Int, UInt32)
            switch lead {
            case 0xC2...0xDF: (length, minimum) = (2, 0x80)
            case 0xE0...0xEF: (length, minimum) = (3, 0x800)
            case 0xF0...0xF4: (length, minimum) = (4, 0x1_0000)
            default: return false
            }
            var scalar = UInt32(lead) & (0xFF >> (length + 1))
            for offset in 1..<length {
                guard index + offset < data.count else {
                    // Cut by the end of the prefix: fine if everything so far was a valid start.
                    return allowsIncompleteTail
                }
                let continuation = data[index + offset]
                guard continuation & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
                if offset == 1 {
                    // Reject overlong and out-of-range forms as early as the second byte allows.
                    if lead == 0xE0 && continuation < 0xA0 { return false }
                    if lead == 0xED && continuation >= 0xA0 { return false }
                    if lead == 0xF0 && continuation < 0x90 { return false }
                    if lead == 0xF4 && continuation >= 0x90 { return false }
                }
            }
            guard scalar >= minimum, scalar <= 0x10_FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            index += length
        }
        return true
    }

    private static func isTextByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x07...0x0D, 0x1B: true
        case 0x00...0x1F, 0x7F: false
        default: true
        }
    }

    /// The CSV heuristic of `file(1)` (its `is_csv`), so that both agree: counting commas outside double quotes
    /// (`""` escapes a quote), every line must have the same non-zero number of commas as the first; the text is
    /// CSV once ten lines agree, or at the end when at least three lines ended and all agreed.
    static func looksLikeCSV(_ bytes: MediaBytes) -> Bool {
        let data = bytes.storage
        var fieldsInLine = 0
        var fieldsPerLine = 0
        var lines = 0
        var index = 0
        while index < data.count {
            let byte = data[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                index = endOfQuote(data, from: index)
            case UInt8(ascii: ","):
                fieldsInLine += 1
            case UInt8(ascii: "\n"):
                lines += 1
                if lines == 10 { return fieldsPerLine != 0 && fieldsPerLine == fieldsInLine }
                if fieldsPerLine == 0 {
                    if fieldsInLine == 0 { return false }
                    fieldsPerLine = fieldsInLine
                } else if fieldsPerLine != fieldsInLine {
                    return false
                }
                fieldsInLine = 0
            default:
                break
            }
        }
        return fieldsPerLine != 0 && lines > 2
    }

    /// The index just past the quoted field that began before `start`.
    private static func endOfQuote(_ data: [UInt8], from start: Int) -> Int {
        var index = start
        var sawQuote = false
        while index < data.count {
            let byte = data[index]
            index += 1
            if byte != UInt8(ascii: "\"") {
                if sawQuote { return index - 1 }
                continue
            }
            sawQuote.toggle()
        }
        return data.count
    }
}
