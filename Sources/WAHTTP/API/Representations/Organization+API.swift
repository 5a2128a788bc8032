import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Organization {
    init(_ organization: WACore.Organization) {
        self.init(
            id: organization.id.description, name: organization.name, slug: organization.slug,
            plan: .init(organization.plan), hasLimitOverrides: organization.limitOverrides != nil,
            optOut: .init(organization.optOut), createdAt: organization.createdAt, updatedAt: organization.updatedAt,
            version: organization.version)
    }
}

extension Components.Schemas.OrganizationPlan {
    init(_ plan: WACore.Plan) {
        switch plan {
        case .starter: self = .starter
        case .pro: self = .pro
        case .enterprise: self = .enterprise
        }
    }
}

extension Components.Schemas.OrganizationOptOutSettings {
    init(_ settings: OptOutSettings) {
        self.init(
            enabled: settings.isEnabled, keywords: settings.keywords, optInKeywords: settings.optInKeywords,
            confirmation: settings.confirmation, optInConfirmation: settings.optInConfirmation)
    }

    /// The settings in WACore's terms (WACore validates them).
    var core: OptOutSettings {
        OptOutSettings(
            isEnabled: enabled, keywords: keywords, optInKeywords: optInKeywords, confirmation: confirmation,
            optInConfirmation: optInConfirmation)
    }
}

extension Components.Schemas.OrganizationUsage {
    init(_ usage: WACore.OrganizationUsage) {
        self.init(
            organizationId: usage.organizationID.description, plan: .init(usage.plan),
            hasLimitOverrides: usage.hasLimitOverrides, instances: .init(usage.instances),
            activeMembers: .init(usage.activeMembers), messagesToday: .init(usage.messagesToday),
            messagesResetAt: usage.messagesResetAt, mediaStorageBytes: .init(usage.mediaStorageBytes),
            webhookEndpoints: .init(usage.webhookEndpoints), retentionDays: usage.retentionDays,
            measuredAt: usage.measuredAt)
    }
}

extension Components.Schemas.OrganizationUsageFigure {
    init(_ figure: WACore.OrganizationUsage.Figure) {
        self.init(used: figure.used, limit: figure.limit, remaining: figure.remaining)
    }
}
