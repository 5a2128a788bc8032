/// Checks that a text file (`text/plain`, `text/csv`) is text to its last byte, in the encoding its start showed:
/// the sniffer reads only the first bytes, so a file of text followed by a program would pass it. Refuses a byte
/// that is not text, or a file that ends inside a character (`media_malformed`). Memory is constant.
struct TextInspector: FormatInspector {
    private var validator: TextValidator
    /// The byte-order mark still to skip (UTF-16).
    private var markToSkip: Int

    init(encoding: SniffedMedia.TextEncoding) {
        validator = TextValidator(encoding: encoding)
        markToSkip = encoding == .utf8 ? 0 : 2
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        let skipped = min(markToSkip, bytes.count)
        markToSkip -= skipped
        guard validator.consume(UnsafeRawBufferPointer(rebasing: bytes[skipped...])) else {
            let offset = validator.byteCount + (validator.encoding == .utf8 ? 0 : 2)
            throw Self.malformed("the file stops being \(validator.encoding.rawValue) text at byte \(offset)")
        }
    }

    func finish(into media: inout SniffedMedia) throws(WAError) {
        guard markToSkip == 0, validator.isAtCharacterBoundary else {
            throw Self.malformed("the text ends inside a character")
        }
        media.textEncoding = validator.encoding
    }
}
