/// A billing plan and the limits it grants an organization.
public enum Plan: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case starter
    case pro
    case enterprise

    /// The plan's default limits. An organization may carry overrides (``Organization/limitOverrides``).
    public var limits: PlanLimits {
        switch self {
        case .starter:
            PlanLimits(
                instances: 1, members: 3, messagesPerDay: 1_000, mediaStorageBytes: 1 << 30, webhookEndpoints: 2,
                retentionDays: 90)
        case .pro:
            PlanLimits(
                instances: 10, members: 25, messagesPerDay: 20_000, mediaStorageBytes: 20 << 30,
                webhookEndpoints: 10, retentionDays: 365)
        case .enterprise:
            PlanLimits(
                instances: 200, members: 500, messagesPerDay: 500_000, mediaStorageBytes: 500 << 30,
                webhookEndpoints: 50)
        }
    }

    public var description: String { rawValue }
}

/// The quantities a plan limits.
public struct PlanLimits: Sendable, Hashable, Codable {
    /// Linked WhatsApp accounts.
    public var instances: Int
    /// Active members.
    public var members: Int
    /// Outbound messages per organization per UTC day (across all instances).
    public var messagesPerDay: Int
    /// Bytes of stored media.
    public var mediaStorageBytes: Int64
    /// Webhook endpoints.
    public var webhookEndpoints: Int
    /// How new WhatsApp accounts ramp up to their send limits (``SendLimits``); an instance may replace it
    /// (``Instance/warmUp``). Default ``WarmUpCurve/init(initialFraction:rampDays:shape:)``: 15 % on day 0,
    /// linear to 100 % on day 14.
    public var warmUp: WarmUpCurve
    /// How many days messages and media are kept (``RetentionService``); `nil` keeps them until deleted. Plans:
    /// starter 90, pro 365, enterprise `nil`.
    public var retentionDays: Int?

    public init(
        instances: Int, members: Int, messagesPerDay: Int, mediaStorageBytes: Int64, webhookEndpoints: Int,
        warmUp: WarmUpCurve = WarmUpCurve(), retentionDays: Int? = nil
    ) {
        self.instances = instances
        self.members = members
        self.messagesPerDay = messagesPerDay
        self.mediaStorageBytes = mediaStorageBytes
        self.webhookEndpoints = webhookEndpoints
        self.warmUp = warmUp
        self.retentionDays = retentionDays
    }

    private enum CodingKeys: String, CodingKey {
        case instances, members, messagesPerDay, mediaStorageBytes, webhookEndpoints, warmUp, retentionDays
    }

    /// Decodes limits; limits stored before ``warmUp`` existed get the default curve, and those stored before
    /// ``retentionDays`` existed keep everything (`nil`), so that no data is deleted by an upgrade.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            instances: c.decode(Int.self, forKey: .instances), members: c.decode(Int.self, forKey: .members),
            messagesPerDay: c.decode(Int.self, forKey: .messagesPerDay),
            mediaStorageBytes: c.decode(Int64.self, forKey: .mediaStorageBytes),
            webhookEndpoints: c.decode(Int.self, forKey: .webhookEndpoints),
            warmUp: c.decodeIfPresent(WarmUpCurve.self, forKey: .warmUp) ?? WarmUpCurve(),
            retentionDays: c.decodeIfPresent(Int.self, forKey: .retentionDays))
    }
}
