import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.RiskReport {
    init(_ report: WACore.RiskReport) {
        self.init(
            instanceId: report.instanceID.description, score: report.score, level: .init(report.level),
            throttleFactor: report.throttleFactor, pausedUntil: report.pausedUntil,
            relinkRequired: report.relinkRequired, maySend: report.maySend, activeRules: report.activeRules,
            unansweredStreak: report.unansweredStreak, updatedAt: report.updatedAt)
    }
}

extension Components.Schemas.RiskReport.LevelPayload {
    init(_ level: WACore.RiskReport.Level) {
        switch level {
        case .normal: self = .normal
        case .warning: self = .warning
        case .critical: self = .critical
        }
    }
}

extension Components.Schemas.RiskAlert {
    init(_ alert: WACore.RiskAlert) {
        self.init(
            id: alert.id.description, instanceId: alert.instanceID.description, severity: .init(alert.severity),
            score: alert.score, rules: alert.rules, evidence: .init(additionalProperties: alert.evidence),
            actionsTaken: alert.actionsTaken, acknowledgedAt: alert.acknowledgedAt,
            acknowledgedBy: alert.acknowledgedBy?.description, createdAt: alert.createdAt)
    }
}

extension Components.Schemas.RiskAlertSeverity {
    init(_ severity: WACore.RiskAlert.Severity) {
        switch severity {
        case .info: self = .info
        case .warning: self = .warning
        case .critical: self = .critical
        }
    }
}
