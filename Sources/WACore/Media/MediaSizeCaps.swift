/// The largest file accepted for each message kind.
///
/// The defaults (``whatsAppCloudAPI``) are the WhatsApp Cloud API's limits, read as binary units
/// (1 MB = 1,048,576 bytes): image 5 MB, audio, voice and video 16 MB, document 100 MB, sticker 100 KB static or
/// 500 KB animated.
public struct MediaSizeCaps: Sendable, Hashable, Codable {
    public var image: Int64
    public var video: Int64
    /// Audio files and voice notes.
    public var audio: Int64
    public var document: Int64
    public var staticSticker: Int64
    public var animatedSticker: Int64

    public init(
        image: Int64, video: Int64, audio: Int64, document: Int64, staticSticker: Int64, animatedSticker: Int64
    ) {
        self.image = image
        self.video = video
        self.audio = audio
        self.document = document
        self.staticSticker = staticSticker
        self.animatedSticker = animatedSticker
    }

    /// The WhatsApp Cloud API's limits.
    public static let whatsAppCloudAPI = MediaSizeCaps(
        image: 5 << 20, video: 16 << 20, audio: 16 << 20, document: 100 << 20, staticSticker: 100 << 10,
        animatedSticker: 500 << 10)

    /// The cap for a message kind (`animated` matters for stickers only); `nil` for kinds that carry no media
    /// (text, location, contact).
    public func limit(for kind: Message.Kind, animated: Bool = false) -> Int64? {
        switch kind {
        case .image: image
        case .video: video
        case .audio, .voice: audio
        case .document: document
        case .sticker: animated ? animatedSticker : staticSticker
        case .text, .location, .contact: nil
        }
    }
}
