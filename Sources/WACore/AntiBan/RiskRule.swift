/// The name of a risk-monitor rule, as stored in ``RiskAlert/rules``. Open for extension like
/// ``WAError/Code-swift.enum``.
public struct RiskRule: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    /// A rule from its stored name.
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Too many failed sends within ``RiskPolicy/sendFailureWindow``.
    public static let sendFailures: RiskRule = "send_failures"
    /// Too many messages in a row without an inbound reply (WhatsApp's 2025 cap on unanswered messages).
    public static let unansweredStreak: RiskRule = "unanswered_streak"
    /// The same normalised text to too many distinct recipients (temporary-ban code 104).
    public static let identicalTextBurst: RiskRule = "identical_text_burst"
    /// Too large a share of recent messages to people who are not contacts (code 101).
    public static let nonContactShare: RiskRule = "non_contact_share"
    /// Sending much faster than the instance's own baseline.
    public static let rateSpike: RiskRule = "rate_spike"
    /// Recipients blocking or reporting the account (code 102).
    public static let blocksAndReports: RiskRule = "blocks_reports"
    /// Many transient disconnects in a short time.
    public static let disconnectFlapping: RiskRule = "disconnect_flapping"
    /// A terminal disconnect (logged out, banned, opened elsewhere): the link is gone.
    public static let terminalDisconnect: RiskRule = "terminal_disconnect"
    /// WhatsApp imposed a temporary ban.
    public static let temporaryBan: RiskRule = "temporary_ban"
    /// The combined risk score crossed ``RiskPolicy/pauseScore``.
    public static let highRiskScore: RiskRule = "high_risk_score"
    /// The instance's stored monitor state could not be read; the instance was paused rather than started calm
    /// (``RiskMonitor/recovering(from:policy:pause:at:)``).
    public static let riskStateUnreadable: RiskRule = "risk_state_unreadable"
}
