public import Foundation

/// What the risk monitor makes of one instance now (``RiskService/report(for:by:)``): its score, a level, and what
/// the monitor decided (throttle, pause, relink) and why (the rules still active).
public struct RiskReport: Sendable, Hashable {
    public var instanceID: InstanceID
    /// 0 (calm) … 100 (about to be banned), decayed to ``at``.
    public var score: Double
    public var level: Level
    /// Multiplier on the instance's send rate (1 = full speed).
    public var throttleFactor: Double
    /// Sending is paused until this instant (nil: not paused).
    public var pausedUntil: Date?
    /// A terminal disconnect asked for the account to be linked again.
    public var relinkRequired: Bool
    /// Whether the monitor lets the instance send now (not paused, no relink needed).
    public var maySend: Bool
    /// The rules that fired and have not re-armed yet, sorted (`identical_text_burst`).
    public var activeRules: [String]
    /// Messages sent since the last inbound message.
    public var unansweredStreak: Int
    /// When the monitor last changed (nil: it never saw a signal).
    public var updatedAt: Date?
    /// When the report was made.
    public var at: Date

    /// How worried to be, from the monitor's decisions.
    public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
        /// No active rule, no throttle, a score below the policy's recovery score.
        case normal
        /// Throttled, a rule active, or a score at or above the recovery score.
        case warning
        /// Paused or waiting for a relink: the instance does not send.
        case critical
    }

    /// The report of `monitor` at `date`; `updatedAt` is when its state was stored.
    public init(instanceID: InstanceID, monitor: RiskMonitor, updatedAt: Date?, at date: Date) {
        let state = monitor.riskState(at: date)
        self.instanceID = instanceID
        score = state.score
        throttleFactor = state.throttleFactor
        pausedUntil = state.pausedUntil
        relinkRequired = monitor.relinkRequired
        maySend = monitor.maySend(at: date)
        activeRules = monitor.activeRules.map(\.rawValue).sorted()
        unansweredStreak = monitor.unansweredStreak
        self.updatedAt = updatedAt
        at = date
        if !maySend {
            level = .critical
        } else if throttleFactor < 1 || !activeRules.isEmpty || score >= monitor.policy.recoveryScore {
            level = .warning
        } else {
            level = .normal
        }
    }
}
