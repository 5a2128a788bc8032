public import Foundation

/// What the risk monitor asks the services to do about an instance.
public enum RiskAction: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Set the instance's send-rate multiplier (1 lifts the throttle; 0.5 halves the rate). Feed it to the rate
    /// limiter and to ``BehaviourRequest/throttleFactor``.
    case throttle(Double)
    /// Stop sending until this instant.
    case pause(until: Date)
    /// The link is gone: stop the instance and ask for a new QR scan or pairing code.
    case requireRelink
    /// Raise a ``RiskAlert`` with this severity, the rules that fired and the facts behind them.
    case alert(RiskAlert.Severity, rules: [RiskRule], evidence: [String: String])

    /// Short text for ``RiskAlert/actionsTaken`` (`throttle 0.5`, `pause until 2026-01-01T06:00:00Z`).
    public var description: String {
        switch self {
        case .throttle(let factor): "throttle \(factor)"
        case .pause(let until): "pause until \(until.formatted(Date.ISO8601FormatStyle()))"
        case .requireRelink: "require relink"
        case .alert(let severity, let rules, _): "alert \(severity.rawValue) \(rules.map(\.rawValue).joined(separator: ","))"
        }
    }

    /// The alert record for an ``alert(_:rules:evidence:)`` action (nil for other actions), listing `actionsTaken`
    /// (typically the other actions returned with it).
    public func riskAlert(
        id: RiskAlertID, organizationID: OrganizationID, instanceID: InstanceID, score: Double,
        actionsTaken: [RiskAction], createdAt: Date
    ) -> RiskAlert? {
        guard case .alert(let severity, let rules, let evidence) = self else { return nil }
        return RiskAlert(
            id: id, organizationID: organizationID, instanceID: instanceID, severity: severity, score: score,
            rules: rules.map(\.rawValue), evidence: evidence,
            actionsTaken: actionsTaken.filter { if case .alert = $0 { false } else { true } }.map(\.description),
            createdAt: createdAt)
    }
}
