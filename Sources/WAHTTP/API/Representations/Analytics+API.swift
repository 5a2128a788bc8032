import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.MessageCounts {
    init(_ counts: WACore.MessageCounts) {
        self.init(
            sent: counts.sent, delivered: counts.delivered, read: counts.read, failed: counts.failed,
            replied: counts.replied, received: counts.received)
    }
}

extension Components.Schemas.MessageRates {
    init(_ rates: WACore.MessageRates) {
        self.init(
            deliveryRate: rates.deliveryRate, readRate: rates.readRate, replyRate: rates.replyRate,
            failureRate: rates.failureRate)
    }
}

extension Components.Schemas.LatencyPercentiles {
    init(_ percentiles: WACore.Percentiles) {
        self.init(p50: percentiles.p50, p90: percentiles.p90, p99: percentiles.p99)
    }
}

extension Components.Schemas.SegmentCountsByName {
    init(_ counts: [EngagementSegment: Int]) {
        self.init(
            optedOut: counts[.optedOut] ?? 0, engaged: counts[.engaged] ?? 0, active: counts[.active] ?? 0,
            dormant: counts[.dormant] ?? 0, neverReplied: counts[.neverReplied] ?? 0, new: counts[.new] ?? 0,
            occasional: counts[.occasional] ?? 0)
    }
}

extension Components.Schemas.AnalyticsWindow {
    init(_ window: OrganizationDashboard.Window) {
        self.init(
            firstDay: window.firstDay.description, lastDay: window.lastDay.description, counts: .init(window.counts),
            rates: .init(window.rates), timeToDelivered: .init(window.timeToDelivered),
            timeToRead: .init(window.timeToRead))
    }
}

extension Components.Schemas.AnalyticsSummary {
    /// The dashboard's figures, computed in the time zone named `timeZone` (as the caller named it).
    init(_ dashboard: OrganizationDashboard, timeZone: String) {
        self.init(
            asOf: dashboard.asOf, timeZone: timeZone, today: .init(dashboard.today),
            last7Days: .init(dashboard.last7Days), last30Days: .init(dashboard.last30Days),
            activeInstances: dashboard.activeInstances, totalInstances: dashboard.totalInstances,
            topCampaigns: dashboard.topCampaigns.map { campaign in
                .init(
                    campaignId: campaign.campaignID.description, name: campaign.name, counts: .init(campaign.counts),
                    rates: .init(campaign.rates))
            },
            segments: dashboard.segments.map { .init($0) })
    }
}

extension Components.Schemas.DailyFigures {
    init(_ metric: DailyMetric) {
        self.init(
            day: metric.day.description, counts: .init(metric.counts), rates: .init(metric.rates),
            timeToDelivered: .init(metric.timeToDelivered), timeToRead: .init(metric.timeToRead))
    }
}

extension Components.Schemas.CampaignAnalytics {
    init(_ report: CampaignAnalyticsReport) {
        self.init(
            campaignId: report.campaignID.description, name: report.name, status: .init(report.status),
            instanceId: report.instanceID.description, targeted: report.targeted, messages: report.messages,
            inFlight: report.inFlight, counts: .init(report.counts), rates: .init(report.rates),
            funnel: report.funnel.steps.map { .init($0) }, timeToDelivered: .init(report.timeToDelivered),
            timeToRead: .init(report.timeToRead), timeToReply: .init(report.timeToReply),
            firstSentAt: report.firstSentAt, lastSentAt: report.lastSentAt)
    }
}

extension Components.Schemas.CampaignFunnelStep {
    init(_ step: CampaignFunnel.Step) {
        self.init(
            stage: .init(rawValue: step.stage.rawValue) ?? .targeted, count: step.count,
            conversionFromPrevious: step.conversionFromPrevious, conversionFromStart: step.conversionFromStart,
            dropOff: step.dropOff)
    }
}
