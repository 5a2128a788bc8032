/// Finds a `null` value in a JSON text fed in pieces, without parsing it: outside strings, the only token that
/// starts with `n` is `null`. Anything else that is not JSON is left to the decoder.
struct JSONNullScanner {
    private var inString = false
    private var escaped = false

    /// Feeds the next bytes; `true` as soon as a `null` outside a string has been seen.
    mutating func containsNull(_ bytes: some Sequence<UInt8>) -> Bool {
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "n") {
                return true
            }
        }
        return false
    }
}
