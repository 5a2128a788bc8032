/// What ``MediaSniffer`` found in a file's first bytes.
public struct SniffedMedia: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The format.
    public var type: MediaType
    /// Whether the file is animated: a WebP whose `VP8X` header has the animation flag. `false` for every other
    /// type, and for a WebP whose flags were not in the bytes passed.
    public var isAnimated: Bool
    /// The codec of an Ogg stream's first logical bitstream, when identified; `nil` for every other type.
    public var audioCodec: AudioCodec?

    public init(type: MediaType, isAnimated: Bool = false, audioCodec: AudioCodec? = nil) {
        self.type = type
        self.isAnimated = isAnimated
        self.audioCodec = audioCodec
    }

    /// The canonical MIME type (``MediaType/mimeType``).
    public var mimeType: String { type.mimeType }

    public var description: String {
        var text = type.mimeType
        if isAnimated { text += " (animated)" }
        if let audioCodec { text += "; codecs=\(audioCodec.rawValue)" }
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
