import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Campaign {
    init(_ campaign: WACore.Campaign) {
        self.init(
            id: campaign.id.description, instanceId: campaign.instanceID.description, name: campaign.name,
            templateId: campaign.templateID.description, audience: .init(campaign.audience),
            schedule: .init(campaign.schedule), status: .init(campaign.status), progress: .init(campaign.progress),
            createdBy: campaign.createdBy?.description, createdAt: campaign.createdAt, updatedAt: campaign.updatedAt,
            version: campaign.version)
    }
}

extension Components.Schemas.CampaignStatus {
    init(_ status: WACore.Campaign.Status) {
        switch status {
        case .draft: self = .draft
        case .scheduled: self = .scheduled
        case .running: self = .running
        case .paused: self = .paused
        case .completed: self = .completed
        case .cancelled: self = .cancelled
        case .failed: self = .failed
        }
    }

    var core: WACore.Campaign.Status {
        switch self {
        case .draft: .draft
        case .scheduled: .scheduled
        case .running: .running
        case .paused: .paused
        case .completed: .completed
        case .cancelled: .cancelled
        case .failed: .failed
        }
    }
}

extension Components.Schemas.CampaignAudience {
    /// The most tags a tag audience names, and the longest tag, as the document states them.
    static let maximumTags = 100
    static let maximumTagLength = 64

    init(_ audience: WACore.Campaign.Audience) {
        switch audience {
        case .tags(let tags): self = .tags(.init(_type: "tags", tags: tags.sorted()))
        case .segment(let name):
            self = .segment(.init(_type: "segment", segment: .init(rawValue: name) ?? .active))
        case .contacts(let ids): self = .contacts(.init(_type: "contacts", contacts: ids.map(\.description)))
        }
    }

    /// The audience in WACore's terms (WACore normalises it and checks what the document cannot state).
    var core: WACore.Campaign.Audience {
        get throws {
            switch self {
            case .tags(let audience):
                guard audience.tags.count <= Self.maximumTags else {
                    throw WAError.invalid("audience.tags", "a tag audience names at most \(Self.maximumTags) tags")
                }
                for (index, tag) in audience.tags.enumerated() {
                    _ = try APIInput.text(tag, field: "audience.tags[\(index)]", maxLength: Self.maximumTagLength)
                }
                return .tags(Set(audience.tags))
            case .segment(let audience):
                return .segment(audience.segment.rawValue)
            case .contacts(let audience):
                return .contacts(
                    try audience.contacts.enumerated().map { index, id in
                        try APIInput.id(id, field: "audience.contacts[\(index)]")
                    })
            }
        }
    }
}

extension Components.Schemas.CampaignSchedule {
    init(_ schedule: WACore.Campaign.Schedule) {
        self.init(
            startAt: schedule.startAt,
            quietHours: schedule.quietHours.map { .init(startHour: $0.startHour, endHour: $0.endHour) },
            timeZone: schedule.timeZone)
    }

    /// The schedule in WACore's terms (WACore checks the time zone and the hours).
    var core: WACore.Campaign.Schedule {
        get throws {
            let zone = try timeZone.map {
                try APIInput.text($0, field: "schedule.time_zone", maxLength: APIInput.maximumTimeZoneLength)
            }
            return WACore.Campaign.Schedule(
                startAt: startAt,
                quietHours: quietHours.map { WACore.Campaign.QuietHours(startHour: $0.startHour, endHour: $0.endHour) },
                timeZone: zone ?? "UTC")
        }
    }
}

extension Components.Schemas.CampaignProgress {
    init(_ p: WACore.Campaign.Progress) {
        self.init(
            total: p.total, queued: p.queued, sent: p.sent, delivered: p.delivered, read: p.read, replied: p.replied,
            failed: p.failed, skipped: p.skipped)
    }
}

extension Components.Schemas.CampaignReport {
    init(_ report: WACore.CampaignReport) {
        self.init(
            campaignId: report.campaignID.description, name: report.name, instanceId: report.instanceID.description,
            status: .init(report.status), progress: .init(report.progress),
            funnel: report.funnel.steps.map { .init($0) },
            unreached: report.unreached, firstSentAt: report.firstSentAt, lastSentAt: report.lastSentAt)
    }
}
