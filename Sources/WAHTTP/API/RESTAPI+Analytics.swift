import Foundation
import WACore
import WAOpenAPI

extension RESTAPI {
    func getAnalyticsSummary(_ input: Operations.GetAnalyticsSummary.Input) async throws
        -> Operations.GetAnalyticsSummary.Output
    {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let zone = try APIInput.timeZone(query.timeZone)
        let topCampaigns = query.topCampaigns ?? 5
        guard (0...50).contains(topCampaigns) else { throw WAError.invalid("top_campaigns", "give 0–50") }
        let dashboard = try await gateway.analytics.dashboard(
            asOf: query.asOf, timeZone: zone, topCampaignLimit: topCampaigns,
            segments: query.segments == true ? EngagementPolicy() : nil, by: principal)
        return .ok(.init(body: .json(.init(dashboard, timeZone: query.timeZone ?? "UTC"))))
    }

    func getDailyAnalytics(_ input: Operations.GetDailyAnalytics.Input) async throws
        -> Operations.GetDailyAnalytics.Output
    {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let zone = try APIInput.timeZone(query.timeZone)
        let days = try await gateway.analytics.dailyMetrics(
            from: try APIInput.day(query.from, field: "from"), to: try APIInput.day(query.to, field: "to"),
            instance: try query.instanceId.map { try APIInput.id($0, field: "instance_id") },
            campaign: try query.campaignId.map { try APIInput.id($0, field: "campaign_id") }, timeZone: zone,
            by: principal)
        return .ok(.init(body: .json(.init(timeZone: query.timeZone ?? "UTC", items: days.map { .init($0) }))))
    }

    func getCampaignAnalytics(_ input: Operations.GetCampaignAnalytics.Input) async throws
        -> Operations.GetCampaignAnalytics.Output
    {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.analytics.campaignReport(id, by: principal)))))
    }

    func getSegmentCounts(_ input: Operations.GetSegmentCounts.Input) async throws
        -> Operations.GetSegmentCounts.Output
    {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let defaults = EngagementPolicy()
        func days(_ value: Int?, _ field: String, default duration: Duration) throws -> Duration {
            guard let value else { return duration }
            guard (1...3650).contains(value) else { throw WAError.invalid(field, "give 1–3650 days") }
            return .seconds(value * 86_400)
        }
        func count(_ value: Int?, _ field: String, default fallback: Int) throws -> Int {
            guard let value else { return fallback }
            guard (1...EngagementPolicy.maximumLookback).contains(value) else {
                throw WAError.invalid(field, "give 1–\(EngagementPolicy.maximumLookback)")
            }
            return value
        }
        let policy = EngagementPolicy(
            activeWindow: try days(query.activeDays, "active_days", default: defaults.activeWindow),
            dormantAfter: try days(query.dormantDays, "dormant_days", default: defaults.dormantAfter),
            engagedMinimumReplies: try count(
                query.engagedMinReplies, "engaged_min_replies", default: defaults.engagedMinimumReplies),
            engagedLookback: try count(query.engagedLookback, "engaged_lookback", default: defaults.engagedLookback))
        let asOf = query.asOf ?? gateway.environment.clock.now()
        let counts = try await gateway.analytics.segmentCounts(asOf: asOf, policy: policy, by: principal)
        return .ok(.init(body: .json(.init(asOf: asOf, counts: .init(counts)))))
    }
}
