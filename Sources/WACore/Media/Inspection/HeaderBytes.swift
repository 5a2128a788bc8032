/// The few bytes of a header being read across chunk boundaries.
struct HeaderBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    /// Takes bytes of `input` from `index` until `count` are held; returns how many were taken.
    mutating func collect(_ input: UnsafeRawBufferPointer, from index: Int, upTo count: Int) -> Int {
        let taken = min(count - bytes.count, input.count - index)
        bytes.append(contentsOf: input[index..<(index + taken)])
        return taken
    }

    /// Appends bytes read elsewhere.
    mutating func append(contentsOf other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    subscript(offset: Int) -> UInt8 { bytes[offset] }

    /// The big-endian 32-bit value at `offset`.
    func bigEndian32(at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian }
    }

    /// The little-endian 32-bit value at `offset`.
    func littleEndian32(at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian }
    }

    /// The little-endian 64-bit value at `offset`.
    func littleEndian64(at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian }
    }

    /// The little-endian 16-bit value at `offset`.
    func littleEndian16(at offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
}
