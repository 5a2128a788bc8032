/// A format's end: what it is called, and the bytes that follow it, counted and refused past the tolerance.
struct FormatEnd {
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
