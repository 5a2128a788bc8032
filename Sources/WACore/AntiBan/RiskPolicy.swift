/// Thresholds and weights of the ``RiskMonitor``. Every rule fires when its measure reaches the threshold
/// (`≥`), once, and re-arms when the measure falls back below it.
///
/// | rule | fires when (defaults) | actions |
/// |---|---|---|
/// | `send_failures` | ≥ 5 failed sends in 10 min | throttle, warning |
/// | `unanswered_streak` | ≥ 30 messages sent since the last inbound message | throttle, warning |
/// | `identical_text_burst` | the same normalised text to ≥ 10 distinct recipients in 1 h | throttle, warning |
/// | `non_contact_share` | ≥ 80 % of the messages of the last hour to non-contacts, at least 20 messages | throttle, warning |
/// | `rate_spike` | messages in 10 min ≥ max(30, 3 × the 24-hour baseline per 10 min) | throttle, warning |
/// | `blocks_reports` | ≥ 2 blocks or reports in 24 h | pause 6 h, critical |
/// | `disconnect_flapping` | ≥ 5 transient disconnects in 30 min | warning |
/// | `terminal_disconnect` | a terminal disconnect (logged out, banned, conflict…) | require relink, critical, score 100 |
/// | `terminal_disconnect` | terminal, but `proxy_blocked` or `deprecated_version` | critical (no relink) |
/// | `temporary_ban` | a temporary ban, or a disconnect with code `restricted` | pause until it expires (24 h if unknown), critical |
/// | `high_risk_score` | score ≥ 80 | pause 1 h, critical |
/// | `risk_state_unreadable` | the instance's stored monitor state cannot be read | pause (1 h by default, ``RiskService``), critical |
///
/// The score (0…100) adds ``warningPoints`` or ``criticalPoints`` when a rule fires and a few points per bad
/// event, and halves every ``scoreHalfLife``. Each active throttling rule multiplies the throttle factor by
/// ``throttleFactor`` (never below ``minimumThrottle``); the throttle is relaxed only once those rules have
/// re-armed and the score has decayed below ``recoveryScore``.
public struct RiskPolicy: Sendable, Hashable, Codable {
    /// `send_failures` fires at this many failed sends within ``sendFailureWindow``. Default 5.
    public var sendFailureLimit: Int = 5
    /// Default 10 min.
    public var sendFailureWindow: Duration = .seconds(600)

    /// `unanswered_streak` fires at this many messages sent since the last inbound message. Default 30.
    public var unansweredStreakLimit: Int = 30

    /// `identical_text_burst` fires when one normalised text reached this many distinct recipients within
    /// ``identicalTextWindow``. Default 10.
    public var identicalTextRecipients: Int = 10
    /// Default 1 h.
    public var identicalTextWindow: Duration = .seconds(3_600)
    /// How many distinct texts are tracked at once (the least recently sent is forgotten first). Default 256.
    public var identicalTextTrackedTexts: Int = 256

    /// The share (0…1) of non-contact recipients that fires `non_contact_share`. Default 0.8.
    public var nonContactShare: Double = 0.8
    /// `non_contact_share` needs at least this many messages in the window before it judges. Default 20.
    public var nonContactMinimumMessages: Int = 20
    /// Default 1 h.
    public var nonContactWindow: Duration = .seconds(3_600)

    /// The short window whose message count is compared with the baseline. Default 10 min.
    public var rateSpikeWindow: Duration = .seconds(600)
    /// `rate_spike` fires at this multiple of the baseline rate. Default 3.
    public var rateSpikeFactor: Double = 3
    /// The spike threshold never goes below this many messages per ``rateSpikeWindow``. Default 30.
    public var rateSpikeMinimum: Int = 30
    /// The history the baseline is averaged over (the current short window excluded). Default 24 h.
    public var rateBaselineWindow: Duration = .seconds(86_400)

    /// `blocks_reports` fires at this many blocks or reports within ``blockWindow``. Default 2.
    public var blockLimit: Int = 2
    /// Default 24 h.
    public var blockWindow: Duration = .seconds(86_400)
    /// How long `blocks_reports` pauses the instance. Default 6 h.
    public var blockPause: Duration = .seconds(21_600)

    /// `disconnect_flapping` fires at this many transient disconnects within ``disconnectWindow``. Default 5.
    public var disconnectLimit: Int = 5
    /// Default 30 min.
    public var disconnectWindow: Duration = .seconds(1_800)

    /// The pause after a temporary ban whose expiry is unknown. Default 24 h.
    public var temporaryBanPause: Duration = .seconds(86_400)

    /// The throttle multiplier per active throttling rule. Default 0.5.
    public var throttleFactor: Double = 0.5
    /// The throttle factor never goes below this. Default 0.1.
    public var minimumThrottle: Double = 0.1

    /// The score halves every this long. Default 6 h.
    public var scoreHalfLife: Duration = .seconds(21_600)
    /// Score added when a warning rule fires. Default 20.
    public var warningPoints: Double = 20
    /// Score added when a critical rule fires (a terminal disconnect sets the score to 100). Default 40.
    public var criticalPoints: Double = 40
    /// Score added per failed send. Default 2.
    public var sendFailurePoints: Double = 2
    /// Score added per block or report. Default 15.
    public var blockPoints: Double = 15
    /// Score added per transient disconnect. Default 2.
    public var disconnectPoints: Double = 2
    /// `high_risk_score` fires (and pauses) at this score. Default 80.
    public var pauseScore: Double = 80
    /// How long `high_risk_score` pauses the instance. Default 1 h.
    public var highScorePause: Duration = .seconds(3_600)
    /// The throttle is relaxed only below this score. Default 20.
    public var recoveryScore: Double = 20

    /// The documented defaults.
    public init() {}

    /// The documented defaults.
    public static let standard = RiskPolicy()
}
