/// A whole-file check of one format, fed the file's bytes in order (``MediaInspection`` drives it). Each
/// conformer is a state machine over the bytes: memory stays bounded whatever the file's size.
protocol FormatInspector {
    /// Feeds the next bytes; throws as soon as they show the file is refused.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError)
    /// After the last bytes: writes what the whole file showed into `media`, or throws why the file is refused.
    func finish(into media: inout SniffedMedia) throws(WAError)
}

extension FormatInspector {
    /// A chunk type read as its four characters (`IDAT`, `VP8X`), for messages.
    static func fourCharacterCode(_ code: UInt32) -> String {
        String(decoding: [24, 16, 8, 0].map { UInt8(code >> $0 & 0xFF) }, as: UTF8.self)
    }

    /// The `media_malformed` error, for the file as a whole.
    static func malformed(_ message: String) -> WAError {
        WAError(.mediaMalformed, message, field: "file")
    }
}
