public import Foundation

/// A warning from the risk monitor about an instance, with the evidence that raised it.
public struct RiskAlert: Sendable, Hashable, Codable {
    public var id: RiskAlertID
    public var organizationID: OrganizationID
    public var instanceID: InstanceID
    public var severity: Severity
    /// The risk score when the alert was raised (0…100).
    public var score: Double
    /// The rules that fired (`identical_text_burst`, `unanswered_streak`).
    public var rules: [String]
    /// Facts behind the alert (`{"unanswered": "42"}`).
    public var evidence: [String: String]
    /// What the monitor did (`throttle 0.5`, `pause until …`).
    public var actionsTaken: [String]
    public var acknowledgedAt: Date?
    public var acknowledgedBy: MemberID?
    public var createdAt: Date
    public var version: Int

    public init(
        id: RiskAlertID, organizationID: OrganizationID, instanceID: InstanceID, severity: Severity, score: Double,
        rules: [String], evidence: [String: String] = [:], actionsTaken: [String] = [], acknowledgedAt: Date? = nil,
        acknowledgedBy: MemberID? = nil, createdAt: Date, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.severity = severity
        self.score = score
        self.rules = rules
        self.evidence = evidence
        self.actionsTaken = actionsTaken
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.createdAt = createdAt
        self.version = version
    }

    /// How urgent the alert is.
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case info
        case warning
        case critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }
}
