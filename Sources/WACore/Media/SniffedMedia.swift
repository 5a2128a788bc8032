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

    public init(
        type: MediaType, isAnimated: Bool = false, audioCodec: AudioCodec? = nil, image: Image? = nil,
        trailingByteCount: Int64? = nil
    ) {
        self.type = type
        self.isAnimated = isAnimated
        self.audioCodec = audioCodec
        self.image = image
        self.trailingByteCount = trailingByteCount
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

    /// The canonical MIME type (``MediaType/mimeType``).
    public var mimeType: String { type.mimeType }

    public var description: String {
        var text = type.mimeType
        if isAnimated { text += " (animated)" }
        if let audioCodec { text += "; codecs=\(audioCodec.rawValue)" }
        if let image {
            text += ", \(image.width)×\(image.height)" + (image.frameCount > 1 ? " × \(image.frameCount) frames" : "")
        }
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
