/// The media of a received message, as a session reports it: what it is, and a handle to download the bytes with
/// (``WhatsAppSession/downloadMedia(_:)``). The bytes are not in the event: WhatsApp keeps them on its servers, and a
/// video can be large, so the gateway fetches them when it is ready to store them.
public struct IncomingMedia: Sendable, Hashable, Codable {
    public var kind: Message.Kind
    /// The type the sender declared (the gateway sniffs the bytes once it has them).
    public var mimeType: String
    public var fileName: String?
    /// The size WhatsApp announced, when it did.
    public var byteCount: Int64?
    /// Voice notes and videos: the duration in seconds, when announced.
    public var durationSeconds: Double?
    /// What the transport needs to find the bytes again (WhatsApp Web: the message's id). Opaque to everyone else;
    /// it is kept with the message until the bytes are stored.
    public var handle: String

    public init(
        kind: Message.Kind, mimeType: String, fileName: String? = nil, byteCount: Int64? = nil,
        durationSeconds: Double? = nil, handle: String
    ) {
        self.kind = kind
        self.mimeType = mimeType
        self.fileName = fileName
        self.byteCount = byteCount
        self.durationSeconds = durationSeconds
        self.handle = handle
    }
}
