/// Identifies a file's format from its first bytes (magic numbers and container headers), never from its name
/// or declared type.
///
/// Pass the first ``recommendedPrefixLength`` bytes of the file (or the whole file when it is shorter) and its
/// total length. Fewer bytes give the same answer for most formats, but Office documents may then only be known
/// by their container (``MediaType/zip``, ``MediaType/oleStorage``). More bytes (up to ``maximumPrefixLength``)
/// are used when given: they can only make an OLE verdict more specific, because an OLE file's directory may lie
/// anywhere in the file (LibreOffice's `.ppt` puts a 450 KB thumbnail before it). ``MediaPolicy`` accepts a
/// declared legacy Office type for a file sniffed as ``MediaType/oleStorage``.
///
/// Recognised formats and how:
/// - JPEG (`FF D8 FF`), PNG (8-byte signature), GIF (`GIF87a`/`GIF89a`), WebP (`RIFF`…`WEBP`; animation from the
///   `VP8X` flags), WAV (`RIFF`…`WAVE`), PDF (`%PDF-`), AMR-NB (`#!AMR\n`).
/// - ISO base media (`ftyp` box) by brand: MP4 (`isom`, `iso2`, `mp41`, `mp42`, `avc1`, `M4V `, …), 3GPP
///   (`3gp4`–`3gp6`, `3g2a`, …), QuickTime (`qt  `, or a legacy leading `moov`/`mdat`/`wide`/`free`/`skip`/`pnot`
///   atom), MPEG-4 audio (`M4A `, `M4B `). The major brand decides, else the first known compatible brand;
///   HEIF/AVIF still images are unsupported.
/// - Ogg (`OggS`) as `audio/ogg`, with the codec of the first stream (Opus, Vorbis, Speex, FLAC); Ogg Theora
///   video is unsupported.
/// - MP3: an ID3v2 tag (unless an ADTS frame follows it, which makes it AAC) or an MPEG audio frame header;
///   AAC: an ADTS frame header.
/// - Zip: OpenDocument (text, spreadsheet, presentation) by its first entry, `mimetype`, stored; Office Open XML by
///   its entry names (`[Content_Types].xml` or `_rels/.rels`, and parts under `word/`, `xl/` or `ppt/`); otherwise
///   `application/zip`. See `ZipEntryScanner`.
/// - OLE compound files: Word, Excel or PowerPoint by the streams in the root storage (`WordDocument`,
///   `Workbook`/`Book`, `PowerPoint Document`), otherwise `application/x-ole-storage` (for example when the
///   directory lies past the prefix, or for Outlook `.msg` and Windows Installer files).
/// - Text: UTF-8, or UTF-16 after a byte-order mark, with no NUL and no control characters other than BEL, BS,
///   TAB, LF, VT, FF, CR and ESC (the character set of `file(1)`); legacy 8-bit encodings are unsupported
///   (``SniffedMedia/textEncoding`` says which). UTF-8 text is `text/csv` when it passes the CSV heuristic of
///   `file(1)` (every line has the same non-zero number of commas outside quotes, over ten lines or at least
///   three). Text that is a page, a drawing or a script (HTML, SVG, XML with a style sheet, a shebang or `<?php`)
///   is `text/plain` with ``SniffedMedia/activeContent`` set, which ``MediaPolicy`` refuses.
///
/// Errors (all ``WAError``):
/// - ``WAError/Code-swift.enum/mediaEmpty`` when the file has no bytes;
/// - ``WAError/Code-swift.enum/mediaTruncatedHeader`` when the file ends inside the header of a format it
///   starts like, or when fewer than ``minimumPrefixLength`` bytes of a longer file were passed;
/// - ``WAError/Code-swift.enum/mediaUnsupportedType`` when nothing matches.
public enum MediaSniffer {
    /// How many leading bytes callers should pass (64 KiB): enough to find the Office parts of a zip and the
    /// directory of a small OLE file.
    public static let recommendedPrefixLength = 64 * 1024

    /// The most bytes the sniffer inspects (8 MiB); bytes past this are ignored.
    public static let maximumPrefixLength = 8 * 1024 * 1024

    /// The fewest bytes of a longer file the sniffer accepts (64): every signature and header it needs for the
    /// non-Office formats fits in them.
    public static let minimumPrefixLength = 64

    /// Identifies a file from its first bytes.
    ///
    /// - Parameters:
    ///   - prefix: the file's first bytes: `min(totalLength, recommendedPrefixLength)` of them, or more.
    ///   - totalLength: the file's length in bytes, when known. `nil` means unknown, and the prefix is then taken
    ///     to be possibly partial: pass the length for short files.
    public static func sniff(_ prefix: some Collection<UInt8>, totalLength: Int64?) throws(WAError) -> SniffedMedia {
        let bytes = MediaBytes(Array(prefix.prefix(maximumPrefixLength)))
        if let totalLength {
            guard totalLength >= Int64(bytes.count) else {
                throw WAError.invalid("totalLength", "the total length is smaller than the bytes passed")
            }
            guard totalLength > 0 else { throw WAError(.mediaEmpty, "the file is empty", field: "file") }
        }
        guard bytes.count > 0 else {
            if totalLength == nil { throw WAError(.mediaEmpty, "the file is empty", field: "file") }
            throw WAError(
                .mediaTruncatedHeader, "no bytes of the file were passed to identify its format", field: "file")
        }
        let isComplete = totalLength.map { $0 <= Int64(bytes.count) } ?? false
        guard isComplete || bytes.count >= minimumPrefixLength else {
            throw WAError(
                .mediaTruncatedHeader,
                "at least \(minimumPrefixLength) bytes of the file are needed to identify its format", field: "file")
        }

        let context = Context(bytes: bytes, isComplete: isComplete)
        var endsInsideHeader = false
        for detector in detectors {
            switch detector(context) {
            case .match(let media): return media
            case .needMore: endsInsideHeader = true
            case .noMatch: continue
            }
        }
        if let text = text(context) { return text }
        if endsInsideHeader {
            throw WAError(.mediaTruncatedHeader, "the file ends inside the header of its format", field: "file")
        }
        throw WAError(.mediaUnsupportedType, "the file's format is not supported", field: "file")
    }

    /// Identifies a file held entirely in memory.
    public static func sniff(file: some Collection<UInt8>) throws(WAError) -> SniffedMedia {
        try sniff(file.prefix(maximumPrefixLength), totalLength: Int64(file.count))
    }

    /// One detector's answer.
    enum Detection {
        /// The bytes are this format.
        case match(SniffedMedia)
        /// The bytes end inside this format's header: it may be this format, but there is too little to tell.
        case needMore
        /// Not this format.
        case noMatch
    }

    /// The bytes and whether they are the whole file.
    struct Context {
        var bytes: MediaBytes
        var isComplete: Bool
    }

    /// Detectors in order; the first match wins. Text is tried after all of them.
    static let detectors: [@Sendable (Context) -> Detection] = [
        { signature($0, [0xFF, 0xD8, 0xFF], .jpeg) },
        { signature($0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .png) },
        { signature($0, Array("GIF87a".utf8), .gif) },
        { signature($0, Array("GIF89a".utf8), .gif) },
        { signature($0, Array("%PDF-".utf8), .pdf) },
        { signature($0, Array("#!AMR\n".utf8), .amr) },
        riff, isoBaseMedia, ogg, id3, compoundFile, zip, utf16Text,
        { MPEGAudioFrame.detect(in: $0.bytes, at: 0) },
    ]

    /// Text, its encoding, whether it is CSV and whether it is active content; `nil` when the bytes are not text.
    static func text(_ context: Context, allowsIncompleteTail: Bool = false) -> SniffedMedia? {
        let bytes = context.bytes
        let incomplete = allowsIncompleteTail || !context.isComplete
        guard let encoding = TextClassifier.encoding(of: bytes, allowsIncompleteTail: incomplete) else {
            return nil
        }
        let isCSV = encoding == .utf8 && TextClassifier.looksLikeCSV(bytes)
        return SniffedMedia(
            type: isCSV ? .csv : .plainText, textEncoding: encoding,
            activeContent: TextClassifier.activeContent(of: bytes, encoding: encoding))
    }

    /// UTF-16 text after its byte-order mark, tried before MPEG audio: the little-endian mark `FF FE` looks like an
    /// MPEG frame sync. A file that ends inside a character is still UTF-16 text here, and the whole-file inspection
    /// refuses it (`media_malformed`).
    private static func utf16Text(_ context: Context) -> Detection {
        guard context.bytes.matches([0xFF, 0xFE]) || context.bytes.matches([0xFE, 0xFF]),
            let media = text(context, allowsIncompleteTail: true)
        else { return .noMatch }
        return .match(media)
    }

    private static func signature(_ context: Context, _ signature: [UInt8], _ type: MediaType) -> Detection {
        if context.bytes.matches(signature) { return .match(SniffedMedia(type: type)) }
        return context.bytes.endsInside(signature) ? .needMore : .noMatch
    }

    /// RIFF containers: WAVE and WebP.
    private static func riff(_ context: Context) -> Detection {
        let bytes = context.bytes
        guard bytes.matches(ascii: "RIFF") else { return bytes.endsInside(Array("RIFF".utf8)) ? .needMore : .noMatch }
        guard bytes.count >= 12 else { return .needMore }
        if bytes.matches(ascii: "WAVE", at: 8) { return .match(SniffedMedia(type: .wav)) }
        if bytes.matches(ascii: "WEBP", at: 8) {
            let animated = bytes.matches(ascii: "VP8X", at: 12) && (bytes.u8(20) ?? 0) & 0x02 != 0
            return .match(SniffedMedia(type: .webp, isAnimated: animated))
        }
        return .noMatch
    }

    /// ISO base media (`ftyp`) and legacy QuickTime.
    private static func isoBaseMedia(_ context: Context) -> Detection {
        let bytes = context.bytes
        if bytes.count < 8 {
            return bytes.count > 4 && bytes.endsInside(Array("ftyp".utf8), at: 4) ? .needMore : .noMatch
        }
        guard let size = bytes.be32(0) else { return .noMatch }
        if bytes.matches(ascii: "ftyp", at: 4) {
            guard size == 0 || size >= 12 else { return .noMatch }
            guard let major = bytes.slice(8..<12) else { return .needMore }
            let end = size >= 16 ? min(Int(size), bytes.count) : 0
            let compatible = stride(from: 16, to: end - 3, by: 4).compactMap { bytes.slice($0..<($0 + 4)) }
            guard let type = ISOBaseMediaBrand.type(major: major, compatible: compatible) else { return .noMatch }
            return .match(SniffedMedia(type: type))
        }
        // A QuickTime file without `ftyp` starts with one of these atoms. The size's first byte must be small so
        // that text such as "I'm free" is not taken for an atom.
        let legacyAtoms = ["moov", "mdat", "wide", "free", "skip", "pnot"]
        if size >= 8, (bytes.u8(0) ?? 0xFF) < 0x20, legacyAtoms.contains(where: { bytes.matches(ascii: $0, at: 4) }) {
            return .match(SniffedMedia(type: .quickTime))
        }
        return .noMatch
    }

    /// Ogg, with the codec of the first packet of the first page.
    private static func ogg(_ context: Context) -> Detection {
        let bytes = context.bytes
        guard bytes.matches(ascii: "OggS") else { return bytes.endsInside(Array("OggS".utf8)) ? .needMore : .noMatch }
        guard let version = bytes.u8(4) else { return .needMore }
        guard version == 0 else { return .noMatch }
        let partial: Detection = context.isComplete ? .needMore : .match(SniffedMedia(type: .ogg))
        guard let segments = bytes.u8(26) else { return partial }
        let packet = 27 + Int(segments)
        let codecs: [([UInt8], SniffedMedia.AudioCodec?)] = [
            (Array("OpusHead".utf8), .opus), ([0x01] + Array("vorbis".utf8), .vorbis),
            (Array("Speex   ".utf8), .speex), ([0x7F] + Array("FLAC".utf8), .flac),
            ([0x80] + Array("theora".utf8), nil),
        ]
        for (identifier, codec) in codecs {
            if bytes.matches(identifier, at: packet) {
                guard let codec else { return .noMatch }  // Theora video
                return .match(SniffedMedia(type: .ogg, audioCodec: codec))
            }
            if bytes.endsInside(identifier, at: packet) { return partial }
        }
        return bytes.count > packet ? .match(SniffedMedia(type: .ogg)) : partial
    }

    /// An ID3v2 tag: MP3, or AAC when an ADTS frame follows the tag.
    private static func id3(_ context: Context) -> Detection {
        let bytes = context.bytes
        guard bytes.matches(ascii: "ID3") else { return bytes.endsInside(Array("ID3".utf8)) ? .needMore : .noMatch }
        guard bytes.count >= 10 else { return .needMore }
        guard let major = bytes.u8(3), (2...4).contains(major), bytes.u8(4) != 0xFF, let flags = bytes.u8(5),
            let sizeBytes = bytes.slice(6..<10), sizeBytes.allSatisfy({ $0 < 0x80 })
        else { return .noMatch }
        let tagSize = sizeBytes.reduce(0) { $0 << 7 | Int($1) }
        let audioStart = 10 + tagSize + (flags & 0x10 != 0 ? 10 : 0)
        if case .match(let frame) = MPEGAudioFrame.detect(in: bytes, at: audioStart), frame.type == .aac {
            return .match(frame)
        }
        return .match(SniffedMedia(type: .mpegAudio))
    }

    /// OLE compound files: legacy Office.
    private static func compoundFile(_ context: Context) -> Detection {
        let bytes = context.bytes
        guard bytes.matches(CompoundFileDirectory.signature) else {
            return bytes.endsInside(CompoundFileDirectory.signature) ? .needMore : .noMatch
        }
        return .match(SniffedMedia(type: CompoundFileDirectory.officeType(in: bytes) ?? .oleStorage))
    }

    /// Zip archives: Office Open XML or plain.
    private static func zip(_ context: Context) -> Detection {
        let bytes = context.bytes
        if bytes.matches(ZipEntryScanner.localHeader) {
            if let type = ZipEntryScanner.openDocumentType(in: bytes) { return .match(SniffedMedia(type: type)) }
            let names = ZipEntryScanner.entryNames(in: bytes)
            return .match(SniffedMedia(type: ZipEntryScanner.officeType(entryNames: names) ?? .zip))
        }
        if bytes.matches(ZipEntryScanner.endOfCentralDirectory) { return .match(SniffedMedia(type: .zip)) }
        return bytes.endsInside(ZipEntryScanner.localHeader) || bytes.endsInside(ZipEntryScanner.endOfCentralDirectory)
            ? .needMore : .noMatch
    }
}
