/// What ``ContactService/erase(_:by:)`` removed.
public struct ContactErasure: Sendable, Hashable, Codable {
    /// Messages to and from the contact.
    public var messages: Int
    /// Media the contact sent (their bytes too); media the organization sent them stays, as it may be sent to
    /// others.
    public var media: Int
    /// Chats with the contact, on every instance.
    public var chats: Int

    public init(messages: Int = 0, media: Int = 0, chats: Int = 0) {
        self.messages = messages
        self.media = media
        self.chats = chats
    }
}
