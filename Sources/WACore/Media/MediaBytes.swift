/// Bounds-checked reads over the prefix of a file: every accessor returns `nil` (or `false`) past the end instead
/// of trapping, so the sniffer never crashes on truncated or hostile input.
struct MediaBytes {
    let storage: [UInt8]

    init(_ storage: [UInt8]) { self.storage = storage }

    var count: Int { storage.count }

    func u8(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < storage.count ? storage[offset] : nil
    }

    func le16(_ offset: Int) -> UInt16? {
        guard let a = u8(offset), let b = u8(offset + 1) else { return nil }
        return UInt16(a) | UInt16(b) << 8
    }

    func le32(_ offset: Int) -> UInt32? {
        guard let low = le16(offset), let high = le16(offset + 2) else { return nil }
        return UInt32(low) | UInt32(high) << 16
    }

    func be32(_ offset: Int) -> UInt32? {
        guard let a = u8(offset), let b = u8(offset + 1), let c = u8(offset + 2), let d = u8(offset + 3) else {
            return nil
        }
        return UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The bytes in `range`, or `nil` when the range is not entirely inside the prefix.
    func slice(_ range: Range<Int>) -> ArraySlice<UInt8>? {
        range.lowerBound >= 0 && range.upperBound <= storage.count ? storage[range] : nil
    }

    /// Whether `signature` is at `offset`.
    func matches(_ signature: [UInt8], at offset: Int = 0) -> Bool {
        guard let slice = slice(offset..<(offset + signature.count)) else { return false }
        return slice.elementsEqual(signature)
    }

    /// Whether the prefix ends inside `signature` at `offset`: the bytes present agree with it, but not all of it
    /// is there.
    func endsInside(_ signature: [UInt8], at offset: Int = 0) -> Bool {
        guard offset < storage.count, storage.count < offset + signature.count else { return false }
        return storage[offset...].elementsEqual(signature.prefix(storage.count - offset))
    }

    /// Whether the ASCII text `ascii` is at `offset`.
    func matches(ascii: String, at offset: Int = 0) -> Bool { matches(Array(ascii.utf8), at: offset) }

    /// The first offset at or after `start` where `signature` begins.
    func firstIndex(of signature: [UInt8], from start: Int) -> Int? {
        guard let first = signature.first, start >= 0 else { return nil }
        var index = start
        let last = storage.count - signature.count
        while index <= last {
            if storage[index] == first && matches(signature, at: index) { return index }
            index += 1
        }
        return nil
    }
}
