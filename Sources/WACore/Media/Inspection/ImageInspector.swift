/// A whole-file check of one image format, fed the file's bytes in order (``MediaInspection`` drives it).
protocol ImageInspector {
    /// Feeds the next bytes; throws as soon as they show the file is refused.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError)
    /// After the last bytes: the image's facts, or why the file is refused.
    func finish() throws(WAError) -> SniffedMedia.Image
    /// The image's end, and the bytes seen after it.
    var end: ImageEnd { get }
}

extension ImageInspector {
    /// Bytes seen after the format's end marker.
    var trailingByteCount: Int64 { end.trailingByteCount }

    /// A chunk type read as its four characters (`IDAT`, `VP8X`), for messages.
    static func fourCharacterCode(_ code: UInt32) -> String {
        String(decoding: [24, 16, 8, 0].map { UInt8(code >> $0 & 0xFF) }, as: UTF8.self)
    }

    /// The `media_malformed` error, for the file as a whole.
    static func malformed(_ message: String) -> WAError {
        WAError(.mediaMalformed, message, field: "file")
    }
}

/// An image's end: what it is called, and the bytes that follow it, counted and refused past the tolerance.
struct ImageEnd {
    /// The format (`PNG`) and its end marker (`IEND`), for messages.
    let format: String
    let marker: String
    let tolerance: Int
    /// Bytes seen after the end marker.
    private(set) var trailingByteCount: Int64 = 0

    init(format: String, marker: String, limits: MediaInspectionLimits) {
        self.format = format
        self.marker = marker
        self.tolerance = limits.trailingByteTolerance
    }

    /// Counts `count` more bytes after the end; throws `media_trailing_data` past the tolerance.
    mutating func follow(_ count: Int) throws(WAError) {
        trailingByteCount += Int64(count)
        guard trailingByteCount <= Int64(tolerance) else {
            throw WAError(
                .mediaTrailingData, "the \(format) has more than \(tolerance) bytes after its end (\(marker))",
                field: "file")
        }
    }

    /// The `media_truncated` error of a file that stopped before its end.
    var truncated: WAError {
        WAError(.mediaTruncated, "the \(format) ends before its end (\(marker))", field: "file")
    }
}

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

    /// The little-endian 16-bit value at `offset`.
    func littleEndian16(at offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
}
