/// What ``MediaSniffer`` found in a file's first bytes.
public struct SniffedMedia: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The format.
    public var type: MediaType
    /// Whether the file is animated: a WebP whose `VP8X` header has the animation flag. `false` for every other
    /// type, and for a WebP whose flags were not in the bytes passed.
    public var isAnimated: Bool
    /// The codec of an Ogg stream's first logical bitstream, when identified; `nil` for every other type.
    public var audioCodec: AudioCodec?
    /// An image's dimensions and frames, once the whole file was inspected (``MediaInspection``); `nil` before,
    /// and for types not inspected yet.
    public var image: Image?
    /// How many bytes followed the format's end marker, once the whole file was inspected; `nil` before.
    public var trailingByteCount: Int64?
    /// What an archive's central directory declared (zip, Office Open XML, OpenDocument), once the whole file was
    /// inspected; `nil` before, and for other types.
    public var archive: Archive?
    /// The encoding of a text file (`text/plain`, `text/csv`); `nil` for other types.
    public var textEncoding: TextEncoding?
    /// What kind of active content a text file is (a page, a drawing or a script a viewer may run); `nil` for inert
    /// text and other types. ``MediaPolicy`` refuses such files (`media_active_content`).
    public var activeContent: ActiveContent?

    public init(
        type: MediaType, isAnimated: Bool = false, audioCodec: AudioCodec? = nil, image: Image? = nil,
        trailingByteCount: Int64? = nil, archive: Archive? = nil, textEncoding: TextEncoding? = nil,
        activeContent: ActiveContent? = nil
    ) {
        self.type = type
        self.isAnimated = isAnimated
        self.audioCodec = audioCodec
        self.image = image
        self.trailingByteCount = trailingByteCount
        self.archive = archive
        self.textEncoding = textEncoding
        self.activeContent = activeContent
    }

    /// What the whole file showed of an image.
    public struct Image: Sendable, Hashable, Codable {
        /// Pixels across.
        public var width: Int
        /// Pixels down.
        public var height: Int
        /// Frames: 1 for a still image.
        public var frameCount: Int

        public init(width: Int, height: Int, frameCount: Int = 1) {
            self.width = width
            self.height = height
            self.frameCount = frameCount
        }
    }

    /// What an archive's central directory declared.
    public struct Archive: Sendable, Hashable, Codable {
        /// Entries, files and folders.
        public var entryCount: Int
        /// Entries whose data is encrypted (their content cannot be checked by anyone but the receiver).
        public var encryptedEntryCount: Int
        /// The entries' uncompressed bytes, as declared.
        public var uncompressedByteCount: Int64
        /// The entries' compressed bytes.
        public var compressedByteCount: Int64
        /// The highest declared ratio of uncompressed to compressed bytes among the entries; 0 when every entry is
        /// empty.
        public var highestCompressionRatio: Double

        public init(
            entryCount: Int, encryptedEntryCount: Int = 0, uncompressedByteCount: Int64, compressedByteCount: Int64,
            highestCompressionRatio: Double
        ) {
            self.entryCount = entryCount
            self.encryptedEntryCount = encryptedEntryCount
            self.uncompressedByteCount = uncompressedByteCount
            self.compressedByteCount = compressedByteCount
            self.highestCompressionRatio = highestCompressionRatio
        }
    }

    /// How a text file is encoded.
    public enum TextEncoding: String, Sendable, Hashable, Codable, CaseIterable {
        /// UTF-8, with or without a byte-order mark.
        case utf8 = "utf-8"
        /// UTF-16, little-endian, after the byte-order mark `FF FE`.
        case utf16LittleEndian = "utf-16le"
        /// UTF-16, big-endian, after the byte-order mark `FE FF`.
        case utf16BigEndian = "utf-16be"
    }

    /// Text that a viewer may render as a page or run.
    public enum ActiveContent: String, Sendable, Hashable, Codable, CaseIterable {
        /// An HTML page (or XHTML).
        case html
        /// An SVG drawing, which may carry scripts.
        case svg
        /// XML that names a style sheet (`<?xml-stylesheet`), which a browser applies and renders.
        case styledXML = "styled-xml"
        /// A script: `#!` on the first line, or `<?php`.
        case script
    }

    /// The canonical MIME type (``MediaType/mimeType``).
    public var mimeType: String { type.mimeType }

    public var description: String {
        var text = type.mimeType
        if isAnimated { text += " (animated)" }
        if let audioCodec { text += "; codecs=\(audioCodec.rawValue)" }
        if let image {
            text += ", \(image.width)×\(image.height)" + (image.frameCount > 1 ? " × \(image.frameCount) frames" : "")
        }
        if let archive { text += ", \(archive.entryCount) entries" }
        if let textEncoding, textEncoding != .utf8 { text += "; charset=\(textEncoding.rawValue)" }
        if let activeContent { text += " (active content: \(activeContent.rawValue))" }
        return text
    }

    /// Audio codecs recognised inside an Ogg container.
    public enum AudioCodec: String, Sendable, Hashable, Codable, CaseIterable {
        case opus
        case vorbis
        case speex
        case flac
    }
}
