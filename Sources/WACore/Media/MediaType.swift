import Foundation

/// A media format the gateway recognises from content (see ``MediaSniffer``), named by its canonical MIME type.
///
/// The raw value is the canonical MIME type the gateway stores and reports. ``init(mimeType:)`` also accepts the
/// common aliases clients send (`image/jpg`, `audio/x-wav`, `audio/opus` …).
public enum MediaType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case webp = "image/webp"
    case gif = "image/gif"

    /// ISO base media with an MP4 brand (`isom`, `iso2`, `mp41`, `mp42`, `avc1`, `M4V ` …).
    case mp4 = "video/mp4"
    /// ISO base media with a 3GPP brand (`3gp4`–`3gp6`) or a 3GPP2 brand (`3g2a` …), which is reported as
    /// `video/3gpp` too (WhatsApp accepts one 3GPP type).
    case threeGPP = "video/3gpp"
    /// QuickTime (`ftyp` brand `qt  `, or a legacy file that starts with a `moov`/`mdat`/`wide`/`free` atom).
    case quickTime = "video/quicktime"

    /// ISO base media with an audio brand (`M4A `, `M4B `): what `.m4a` files are.
    case mp4Audio = "audio/mp4"
    /// An Ogg stream carrying audio (Opus, Vorbis, Speex or FLAC; see ``SniffedMedia/audioCodec``).
    case ogg = "audio/ogg"
    /// MPEG audio (MP3 and layers I/II): an ID3v2 tag or an MPEG frame header.
    case mpegAudio = "audio/mpeg"
    /// AAC in ADTS framing.
    case aac = "audio/aac"
    /// AMR narrow-band (`#!AMR\n`).
    case amr = "audio/amr"
    /// RIFF/WAVE.
    case wav = "audio/wav"

    case pdf = "application/pdf"
    /// Word (OOXML): a zip with `[Content_Types].xml` or `_rels/.rels` and parts under `word/`.
    case docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    /// Excel (OOXML): a zip with parts under `xl/`.
    case xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    /// PowerPoint (OOXML): a zip with parts under `ppt/`.
    case pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    /// OpenDocument text (LibreOffice Writer): a zip whose first entry, `mimetype`, is stored and says so.
    case openDocumentText = "application/vnd.oasis.opendocument.text"
    /// OpenDocument spreadsheet (LibreOffice Calc).
    case openDocumentSpreadsheet = "application/vnd.oasis.opendocument.spreadsheet"
    /// OpenDocument presentation (LibreOffice Impress).
    case openDocumentPresentation = "application/vnd.oasis.opendocument.presentation"
    /// Legacy Word: an OLE compound file whose root holds a `WordDocument` stream.
    case msWord = "application/msword"
    /// Legacy Excel: an OLE compound file whose root holds a `Workbook` (or `Book`) stream.
    case msExcel = "application/vnd.ms-excel"
    /// Legacy PowerPoint: an OLE compound file whose root holds a `PowerPoint Document` stream.
    case msPowerPoint = "application/vnd.ms-powerpoint"
    /// An OLE compound file whose application could not be told from the bytes available.
    case oleStorage = "application/x-ole-storage"
    /// A zip archive that is not an Office document.
    case zip = "application/zip"

    /// UTF-8 (or ASCII) text without NULs and without control characters other than BEL, BS, TAB, LF, VT, FF,
    /// CR and ESC.
    case plainText = "text/plain"
    /// Text that passes the CSV heuristic (see ``MediaSniffer``).
    case csv = "text/csv"

    /// The canonical MIME type.
    public var mimeType: String { rawValue }

    public var description: String { rawValue }

    /// Parses a MIME type as a client declares it: case-insensitive, parameters (`; charset=utf-8`) ignored,
    /// common aliases accepted. `nil` for types the gateway does not support.
    ///
    /// `audio/opus` parses as ``ogg``; ``MediaPolicy`` additionally requires the Opus codec for it.
    public init?(mimeType: String) {
        guard let type = Self.aliases[Self.essence(of: mimeType)] else { return nil }
        self = type
    }

    /// The broad family of the format.
    public var category: Category {
        switch self {
        case .jpeg, .png, .webp, .gif: .image
        case .mp4, .threeGPP, .quickTime: .video
        case .mp4Audio, .ogg, .mpegAudio, .aac, .amr, .wav: .audio
        case .pdf, .docx, .xlsx, .pptx, .openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation,
            .msWord, .msExcel, .msPowerPoint, .oleStorage, .zip, .plainText, .csv:
            .document
        }
    }

    /// The message kind a file of this type is sent as when the caller does not choose one.
    public var defaultKind: Message.Kind {
        switch category {
        case .image: .image
        case .video: .video
        case .audio: .audio
        case .document: .document
        }
    }

    /// The message kinds a file of this type may be sent as. Every type may be sent as a document; WebP may also
    /// be a sticker; Ogg may also be a voice note (``MediaPolicy`` then requires Opus).
    public var permittedKinds: Set<Message.Kind> {
        switch self {
        case .webp: [.image, .sticker, .document]
        case .ogg: [.audio, .voice, .document]
        default: [defaultKind, .document]
        }
    }

    /// File name extensions for the type, lowercase and without the dot, the preferred one first. Empty for
    /// ``oleStorage``, whose application is unknown.
    public var fileExtensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe"]
        case .png: ["png"]
        case .webp: ["webp"]
        case .gif: ["gif"]
        case .mp4: ["mp4", "m4v"]
        case .threeGPP: ["3gp", "3gpp", "3g2"]
        case .quickTime: ["mov", "qt"]
        case .mp4Audio: ["m4a", "m4b", "mp4"]
        case .ogg: ["ogg", "opus", "oga"]
        case .mpegAudio: ["mp3", "mpga", "mp2"]
        case .aac: ["aac"]
        case .amr: ["amr"]
        case .wav: ["wav"]
        case .pdf: ["pdf"]
        case .docx: ["docx"]
        case .xlsx: ["xlsx"]
        case .pptx: ["pptx"]
        case .openDocumentText: ["odt"]
        case .openDocumentSpreadsheet: ["ods"]
        case .openDocumentPresentation: ["odp"]
        case .msWord: ["doc", "dot"]
        case .msExcel: ["xls", "xlt"]
        case .msPowerPoint: ["ppt", "pps", "pot"]
        case .oleStorage: []
        case .zip: ["zip"]
        case .plainText: ["txt", "text", "log"]
        case .csv: ["csv"]
        }
    }

    /// The less specific type that a shorter prefix of the same file may be sniffed as: the container of an
    /// Office format (``zip``, ``oleStorage``) and ``plainText`` for ``csv``. `nil` for the others.
    public var generalization: MediaType? {
        switch self {
        case .docx, .xlsx, .pptx, .openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation: .zip
        case .msWord, .msExcel, .msPowerPoint: .oleStorage
        case .csv: .plainText
        default: nil
        }
    }

    /// The broad families of media types.
    public enum Category: String, Sendable, Hashable, Codable, CaseIterable {
        case image
        case video
        case audio
        case document
    }

    /// The lowercased `type/subtype` of a MIME type, without parameters and surrounding spaces.
    static func essence(of mimeType: String) -> String {
        let head = mimeType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return head.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Canonical types and the aliases clients and tools (browsers, `file`, Android, Windows) send for them.
    static let aliases: [String: MediaType] = {
        var table: [String: MediaType] = [:]
        for type in MediaType.allCases { table[type.rawValue] = type }
        let extra: [(String, MediaType)] = [
            ("image/jpg", .jpeg), ("image/pjpeg", .jpeg), ("image/x-png", .png),
            ("video/x-m4v", .mp4), ("application/mp4", .mp4),
            ("video/3gpp2", .threeGPP), ("video/3gp", .threeGPP), ("audio/3gpp", .threeGPP),
            ("audio/3gpp2", .threeGPP),
            ("audio/m4a", .mp4Audio), ("audio/x-m4a", .mp4Audio), ("audio/x-m4b", .mp4Audio),
            ("audio/opus", .ogg), ("application/ogg", .ogg), ("audio/x-ogg", .ogg), ("audio/vorbis", .ogg),
            ("audio/mp3", .mpegAudio), ("audio/x-mp3", .mpegAudio), ("audio/mpeg3", .mpegAudio),
            ("audio/x-mpeg", .mpegAudio), ("audio/mpg", .mpegAudio),
            ("audio/x-aac", .aac), ("audio/aacp", .aac), ("audio/x-hx-aac-adts", .aac),
            ("audio/x-wav", .wav), ("audio/wave", .wav), ("audio/vnd.wave", .wav), ("audio/x-pn-wav", .wav),
            ("application/x-pdf", .pdf),
            ("application/vnd.ms-word", .msWord), ("application/x-msexcel", .msExcel),
            ("application/mspowerpoint", .msPowerPoint),
            ("application/cdfv2", .oleStorage), ("application/vnd.ms-office", .oleStorage),
            ("application/x-zip-compressed", .zip), ("application/x-zip", .zip),
            ("text/comma-separated-values", .csv), ("text/x-csv", .csv), ("application/csv", .csv),
        ]
        for (alias, type) in extra { table[alias] = type }
        return table
    }()
}
