/// Comparisons whose running time does not depend on where two secrets differ.
///
/// Use it for anything an attacker can probe byte by byte: API key digests, stored secrets, password hashes
/// computed in Swift (webhook signatures are compared by swift-crypto's own MAC comparison). The length is not
/// secret (it is public for every digest WACore compares), so a length mismatch returns `false` immediately.
///
/// Hand-written because swift-crypto keeps its constant-time comparison internal.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes, examining every byte (XOR-accumulate, no early exit).
    ///
    /// ```swift
    /// ConstantTime.equals(stored.bytes, presented.digest.bytes)
    /// ```
    @inline(never)
    public static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBytes { lhs in rhs.withUnsafeBytes { rhs in equals(lhs, rhs) } }
    }

    /// Whether two byte buffers hold the same bytes, examining every byte (XOR-accumulate, no early exit), for
    /// callers that already have the bytes in place (a digest on the stack) and need no arrays.
    @inline(never)
    static func equals(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<lhs.count {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
