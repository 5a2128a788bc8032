/// What one pass of ``RetentionService/applyRetention()`` deleted.
public struct RetentionSummary: Sendable, Hashable, Codable {
    /// Organizations whose data was looked at (those whose plan keeps data for a limited time).
    public var organizations: Int
    /// Messages deleted.
    public var messages: Int
    /// Media objects deleted (with their bytes).
    public var media: Int

    public init(organizations: Int = 0, messages: Int = 0, media: Int = 0) {
        self.organizations = organizations
        self.messages = messages
        self.media = media
    }
}
