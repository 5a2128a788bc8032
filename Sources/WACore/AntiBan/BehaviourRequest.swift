/// What the ``BehaviourPlanner`` needs to know about one outgoing message.
public struct BehaviourRequest: Sendable, Hashable, Codable {
    /// What the message carries.
    public var kind: Message.Kind
    /// Characters the person would type: the text, or the caption of a media message (0 for none).
    public var textLength: Int
    /// The voice note's length, for ``Message/Kind/voice``.
    public var audioDuration: Duration?
    /// Whether the chat has inbound messages not yet marked seen.
    public var chatHasUnread: Bool
    /// The risk monitor's current throttle factor (1 = normal, 0.5 = half speed). The gap is divided by it, so a
    /// throttled instance rests longer between messages. Values are clamped to 0.05…1.
    public var throttleFactor: Double

    /// A request for a message of `kind`.
    public init(
        kind: Message.Kind, textLength: Int, audioDuration: Duration? = nil, chatHasUnread: Bool = false,
        throttleFactor: Double = 1
    ) {
        self.kind = kind
        self.textLength = textLength
        self.audioDuration = audioDuration
        self.chatHasUnread = chatHasUnread
        self.throttleFactor = throttleFactor
    }

    /// A text message of `text`, counting its characters (grapheme clusters).
    public static func text(_ text: String, chatHasUnread: Bool = false, throttleFactor: Double = 1) -> Self {
        Self(kind: .text, textLength: text.count, chatHasUnread: chatHasUnread, throttleFactor: throttleFactor)
    }

    /// A voice note lasting `duration`.
    public static func voice(_ duration: Duration?, chatHasUnread: Bool = false, throttleFactor: Double = 1) -> Self {
        Self(
            kind: .voice, textLength: 0, audioDuration: duration, chatHasUnread: chatHasUnread,
            throttleFactor: throttleFactor)
    }
}
