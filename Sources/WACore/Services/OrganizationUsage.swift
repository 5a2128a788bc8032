public import Foundation

/// How much of its plan an organization uses: for each limit of ``PlanLimits`` that counts something, the current
/// use and the limit in force (``Organization/limits``: the plan's, or the organization's overrides).
///
/// Every figure comes from a count or a counter the store keeps (``OrganizationService/usage(by:)``), never from
/// reading the records themselves, and each is the same measure the limit is enforced on.
public struct OrganizationUsage: Sendable, Hashable, Codable {
    /// One limited quantity: how much is used and how much is allowed.
    public struct Figure: Sendable, Hashable, Codable {
        public var used: Int64
        public var limit: Int64

        public init(used: Int64, limit: Int64) {
            self.used = used
            self.limit = limit
        }

        /// What is left (never negative: overrides lowered below the current use leave nothing).
        public var remaining: Int64 { max(0, limit - used) }

        /// Whether nothing more is allowed.
        public var isExhausted: Bool { used >= limit }
    }

    public var organizationID: OrganizationID
    public var plan: Plan
    /// Whether the limits are the organization's overrides rather than the plan's (``Organization/limitOverrides``).
    public var hasLimitOverrides: Bool
    /// Instances, against ``PlanLimits/instances``.
    public var instances: Figure
    /// Active members, against ``PlanLimits/members`` (deactivated members hold no seat).
    public var activeMembers: Figure
    /// Outbound messages counted today (UTC), against ``PlanLimits/messagesPerDay``: the counter the daily quota is
    /// enforced on, which counts messages as they are sent.
    public var messagesToday: Figure
    /// When ``messagesToday`` starts again from 0 (the next 00:00 UTC).
    public var messagesResetAt: Date
    /// Bytes of stored media, against ``PlanLimits/mediaStorageBytes``.
    public var mediaStorageBytes: Figure
    /// Webhook endpoints, against ``PlanLimits/webhookEndpoints``.
    public var webhookEndpoints: Figure
    /// How many days messages and media are kept (``PlanLimits/retentionDays``); `nil` keeps them until deleted.
    public var retentionDays: Int?
    /// When the figures were read.
    public var measuredAt: Date

    public init(
        organizationID: OrganizationID, plan: Plan, hasLimitOverrides: Bool, instances: Figure, activeMembers: Figure,
        messagesToday: Figure, messagesResetAt: Date, mediaStorageBytes: Figure, webhookEndpoints: Figure,
        retentionDays: Int?, measuredAt: Date
    ) {
        self.organizationID = organizationID
        self.plan = plan
        self.hasLimitOverrides = hasLimitOverrides
        self.instances = instances
        self.activeMembers = activeMembers
        self.messagesToday = messagesToday
        self.messagesResetAt = messagesResetAt
        self.mediaStorageBytes = mediaStorageBytes
        self.webhookEndpoints = webhookEndpoints
        self.retentionDays = retentionDays
        self.measuredAt = measuredAt
    }
}

/// A change to an organization's settings (``OrganizationService/update(_:by:)``): each `nil` field stays as it
/// is. The plan and its limit overrides are not settings an organization changes about itself; the operator sets
/// them. Opt-out settings have ``TeamService/updateOptOutSettings(_:by:)``.
public struct OrganizationUpdate: Sendable, Hashable, Codable {
    /// The display name: 1–100 characters on one line (trimmed).
    public var name: String?
    /// The slug members sign in with (``Organization/validateSlug(_:)``), unique across organizations: changing it
    /// changes every member's sign-in, so a client should confirm it.
    public var slug: String?

    public init(name: String? = nil, slug: String? = nil) {
        self.name = name
        self.slug = slug
    }
}
