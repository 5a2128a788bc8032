/// Checks, as bytes arrive, that they are text in one encoding: well-formed (UTF-8 without overlong forms,
/// surrogates or code points past U+10FFFF; UTF-16 with paired surrogates) and made of text characters only: no
/// NUL and no C0 control character other than BEL, BS, TAB, LF, VT, FF, CR and ESC, nor DEL, the set of "text
/// characters" of `file(1)`.
///
/// For UTF-16, pass the bytes after the byte-order mark.
struct TextValidator {
    let encoding: SniffedMedia.TextEncoding
    /// Bytes accepted so far.
    private(set) var byteCount: Int64 = 0
    // UTF-8: the continuation bytes still expected, the scalar so far, the smallest scalar the length allows,
    // and the lead byte (some leads restrict the second byte).
    private var continuations = 0
    private var scalar: UInt32 = 0
    private var minimum: UInt32 = 0
    private var lead: UInt8 = 0
    // UTF-16: the first byte of a code unit, and a high surrogate waiting for its low half.
    private var firstByte: UInt8?
    private var waitingForLowSurrogate = false

    init(encoding: SniffedMedia.TextEncoding) {
        self.encoding = encoding
    }

    /// Whether the bytes so far end between two characters.
    var isAtCharacterBoundary: Bool { continuations == 0 && firstByte == nil && !waitingForLowSurrogate }

    /// Feeds bytes; `false` at the first byte that is not text (``byteCount`` is then its offset).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch encoding {
        case .utf8:
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // Printable ASCII between characters needs no state: the common case, taken without a call.
                if continuations == 0 && byte >= 0x20 && byte < 0x7F {
                    index += 1
                    continue
                }
                guard consumeUTF8(byte) else {
                    byteCount += Int64(index)
                    return false
                }
                index += 1
            }
            byteCount += Int64(bytes.count)
        case .utf16LittleEndian, .utf16BigEndian:
            for byte in bytes {
                guard consumeUTF16(byte) else { return false }
                byteCount += 1
            }
        }
        return true
    }

    /// Feeds bytes; `false` at the first byte that is not text.
    mutating func consume(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.withContiguousStorageIfAvailable { consume(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { consume($0) }
    }

    private mutating func consumeUTF8(_ byte: UInt8) -> Bool {
        if continuations == 0 {
            if byte < 0x80 { return Self.isTextCharacter(UInt32(byte)) }
            switch byte {
            case 0xC2...0xDF: (continuations, minimum) = (1, 0x80)
            case 0xE0...0xEF: (continuations, minimum) = (2, 0x800)
            case 0xF0...0xF4: (continuations, minimum) = (3, 0x1_0000)
            default: return false
            }
            lead = byte
            scalar = UInt32(byte) & (0xFF >> (continuations + 2))
            return true
        }
        guard byte & 0xC0 == 0x80 else { return false }
        if lead != 0 {
            // The second byte: refuse overlong and out-of-range forms as early as it allows.
            if lead == 0xE0 && byte < 0xA0 { return false }
            if lead == 0xED && byte >= 0xA0 { return false }
            if lead == 0xF0 && byte < 0x90 { return false }
            if lead == 0xF4 && byte >= 0x90 { return false }
            lead = 0
        }
        scalar = scalar << 6 | UInt32(byte & 0x3F)
        continuations -= 1
        guard continuations == 0 else { return true }
        return scalar >= minimum && scalar <= 0x10_FFFF && !(0xD800...0xDFFF).contains(scalar)
    }

    private mutating func consumeUTF16(_ byte: UInt8) -> Bool {
        guard let first = firstByte else {
            firstByte = byte
            return true
        }
        firstByte = nil
        let unit = encoding == .utf16LittleEndian ? UInt16(first) | UInt16(byte) << 8 : UInt16(first) << 8 | UInt16(byte)
        switch unit {
        case 0xD800...0xDBFF:
            guard !waitingForLowSurrogate else { return false }
            waitingForLowSurrogate = true
            return true
        case 0xDC00...0xDFFF:
            guard waitingForLowSurrogate else { return false }
            waitingForLowSurrogate = false
            return true
        default:
            guard !waitingForLowSurrogate else { return false }
            return Self.isTextCharacter(UInt32(unit))
        }
    }

    private static func isTextCharacter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x07...0x0D, 0x1B: true
        case 0x00...0x1F, 0x7F: false
        default: true
        }
    }
}
