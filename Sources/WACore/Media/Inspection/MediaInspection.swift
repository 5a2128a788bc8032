/// Checks a whole file, as its bytes arrive, against what its sniffed type says it is; memory does not grow with
/// the file.
///
/// ```swift
/// var inspection = MediaInspection(sniffed)          // from MediaSniffer or MediaPolicy
/// for chunk in upload { try inspection.consume(chunk) }
/// let media = try inspection.finish()                // sniffed, plus what the whole file showed
/// media.image?.width
/// ```
///
/// Images are walked to their end: PNG (and APNG) and WebP chunk by chunk, GIF block by block, JPEG segment by
/// segment (``SniffedMedia/image`` and ``SniffedMedia/trailingByteCount`` are filled in). Zip archives, Office Open
/// XML and OpenDocument packages are walked entry by entry and checked against their central directory
/// (``SniffedMedia/archive``). Text is checked to its last byte (``SniffedMedia/textEncoding``). PDF, legacy Office,
/// audio and video pass unchanged. Errors: the file ends before its format's end (`media_truncated`), its structure
/// is not its type's (`media_malformed`), it decodes to more than the limits allow
/// (`media_decompression_bomb`: pixels, an archive's entries, declared bytes or ratio), an archive entry's name is
/// unsafe (`media_unsafe_path`), or more than ``MediaInspectionLimits/trailingByteTolerance`` bytes follow its end
/// (`media_trailing_data`). A refusal can come from any ``consume(_:)``, as soon as the bytes show it.
public struct MediaInspection: Sendable {
    /// What the prefix showed.
    public let sniffed: SniffedMedia
    /// The format's inspector; `nil` for types checked by their first bytes only.
    private var inspector: (any FormatInspector & Sendable)?

    /// An inspection of a file sniffed as `sniffed`.
    public init(_ sniffed: SniffedMedia, limits: MediaInspectionLimits = .standard) {
        self.sniffed = sniffed
        switch sniffed.type {
        case .png: inspector = PNGInspector(limits: limits)
        case .gif: inspector = GIFInspector(limits: limits)
        case .jpeg: inspector = JPEGInspector(limits: limits)
        case .webp: inspector = WebPInspector(limits: limits)
        case .zip, .docx, .xlsx, .pptx, .openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation:
            inspector = ZipInspector(type: sniffed.type, limits: limits)
        case .plainText, .csv: inspector = TextInspector(encoding: sniffed.textEncoding ?? .utf8)
        default: inspector = nil
        }
    }

    /// Feeds the file's next bytes.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(WAError) {
        try inspector?.consume(bytes)
    }

    /// Feeds the file's next bytes.
    public mutating func consume(_ bytes: some Collection<UInt8>) throws(WAError) {
        // The standard library's `with…` calls rethrow untyped errors: carry ours out as a value.
        var failure: WAError?
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(WAError) { try consume(UnsafeRawBufferPointer(buffer)) } catch { failure = error }
        }
        if contiguous == nil {
            Array(bytes).withUnsafeBytes { buffer in
                do throws(WAError) { try consume(buffer) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// After the last bytes: ``sniffed`` with what the whole file showed, or why it is refused.
    public func finish() throws(WAError) -> SniffedMedia {
        var media = sniffed
        try inspector?.finish(into: &media)
        return media
    }
}
