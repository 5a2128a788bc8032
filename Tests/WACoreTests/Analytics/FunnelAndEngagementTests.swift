import Foundation
import Testing
import WACore

@Suite("Analytics funnels and engagement")
struct FunnelAndEngagementTests {
    @Test("funnel steps carry step and overall conversions")
    func funnel() {
        let funnel = CampaignFunnel(
            targeted: 200, counts: MessageCounts(sent: 180, delivered: 150, read: 90, failed: 20, replied: 30))
        #expect(funnel.steps.map(\.stage) == [.targeted, .sent, .delivered, .read, .replied])
        #expect(funnel.steps.map(\.count) == [200, 180, 150, 90, 30])
        #expect(funnel[.targeted].conversionFromPrevious == nil)
        #expect(funnel[.sent].conversionFromPrevious == 0.9)
        #expect(funnel[.delivered].conversionFromPrevious == 150.0 / 180.0)
        #expect(funnel[.read].conversionFromPrevious == 0.6)
        #expect(funnel[.replied].conversionFromPrevious == 30.0 / 90.0)
        #expect(funnel[.replied].conversionFromStart == 0.15)
        #expect(funnel.steps.map(\.dropOff) == [0, 20, 30, 60, 60])
        let empty = CampaignFunnel(progress: Campaign.Progress())
        #expect(empty.steps.allSatisfy { $0.conversionFromStart == nil && $0.conversionFromPrevious == nil })
        let fromProgress = CampaignFunnel(progress: .init(total: 10, sent: 5, delivered: 5, read: 0, replied: 0))
        #expect(fromProgress[.read].conversionFromPrevious == 0 && fromProgress[.replied].conversionFromPrevious == nil)
    }

    @Test("funnel from random campaign events matches a reference count")
    func funnelFromRollups() {
        let data = AnalyticsTestData(seed: 13)
        let events = data.events(messages: 2_000)
        let campaign = data.campaigns[2]!
        let rollups = DailyRollups(events, dimensions: .campaign)
        let organization = data.organizations[0]
        let days = DayKey(AnalyticsTestData.origin)...DayKey(AnalyticsTestData.origin).advanced(by: 15)
        let stats = rollups.stats(organizationID: organization, days: days, campaignID: campaign)
        let mine = events.filter { $0.campaignID == campaign && $0.organizationID == organization }
        let targeted = Set(mine.map(\.messageID)).count
        let funnel = CampaignFunnel(targeted: targeted, counts: stats.counts)
        let reference = AnalyticsReference.summary(mine)
        #expect(
            funnel.steps.map(\.count) == [
                targeted, reference.sent, reference.delivered, reference.read, reference.replied,
            ])
        for (previous, step) in zip(funnel.steps, funnel.steps.dropFirst()) {
            #expect(step.count <= previous.count)
            #expect(step.conversionFromPrevious == Double(step.count) / Double(previous.count))
        }
    }

    @Test("segments follow the configured thresholds")
    func segments() {
        let now = AnalyticsTestData.origin
        let day: TimeInterval = 86_400
        let policy = EngagementPolicy(
            activeWindow: .seconds(7 * day), dormantAfter: .seconds(30 * day), engagedMinimumReplies: 2, engagedLookback: 3)
        let id = ContactID(high: 1, low: 2)
        func recent(_ replies: [Bool]) -> [ContactActivity.RecentOutbound] {
            replies.enumerated().map {
                .init(
                    messageID: MessageID(high: 9, low: UInt64($0.offset)),
                    sentAt: now.addingTimeInterval(Double($0.offset - 100) * day), replied: $0.element)
            }
        }
        let new = ContactActivity(contactID: id)
        #expect(policy.segments(of: new, asOf: now) == [.new])
        let optedOut = ContactActivity(contactID: id, optedOut: true, lastInboundAt: now.addingTimeInterval(-day))
        #expect(policy.segments(of: optedOut, asOf: now) == [.optedOut, .active])
        #expect(policy.primarySegment(of: optedOut, asOf: now) == .optedOut)
        let active = ContactActivity(
            contactID: id, lastInboundAt: now.addingTimeInterval(-7 * day), outboundCount: 3, repliedCount: 1,
            recentOutbound: recent([true, false, false]))
        #expect(policy.segments(of: active, asOf: now) == [.active])
        let engaged = ContactActivity(
            contactID: id, lastInboundAt: now.addingTimeInterval(-10 * day), outboundCount: 5, repliedCount: 3,
            recentOutbound: recent([false, false, true, false, true]))
        #expect(policy.segments(of: engaged, asOf: now) == [.engaged])
        // Replies older than the lookback do not count.
        let lapsed = ContactActivity(
            contactID: id, lastInboundAt: now.addingTimeInterval(-10 * day), outboundCount: 5, repliedCount: 2,
            recentOutbound: recent([true, true, false, false, false]))
        #expect(policy.segments(of: lapsed, asOf: now) == [.occasional])
        let dormant = ContactActivity(
            contactID: id, lastInboundAt: now.addingTimeInterval(-30 * day), outboundCount: 2, repliedCount: 1)
        #expect(policy.segments(of: dormant, asOf: now) == [.dormant])
        let silent = ContactActivity(
            contactID: id, outboundCount: 4, recentOutbound: recent([false, false, false, false]))
        #expect(policy.segments(of: silent, asOf: now) == [.neverReplied])
        let summary = policy.summary(of: [new, optedOut, active, engaged, lapsed, dormant, silent], asOf: now)
        #expect(
            summary == [.new: 1, .optedOut: 1, .active: 1, .engaged: 1, .occasional: 1, .dormant: 1, .neverReplied: 1])
    }

    @Test("an engagement policy encodes its windows as seconds")
    func engagementPolicyCoding() throws {
        let policy = EngagementPolicy(activeWindow: .seconds(1.5), dormantAfter: .seconds(86_400), engagedLookback: 4)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(policy), as: UTF8.self)
        #expect(json == #"{"activeWindow":1.5,"dormantAfter":86400,"engagedLookback":4,"engagedMinimumReplies":2}"#)
        #expect(try JSONDecoder().decode(EngagementPolicy.self, from: Data(json.utf8)) == policy)
    }

    @Test("contact activity folds events and keeps the last M outbound messages")
    func activityFromEvents() {
        let data = AnalyticsTestData(seed: 21)
        let contact = data.contacts[0]
        var activity = ContactActivity(contactID: contact, recentLimit: 3)
        let t0 = AnalyticsTestData.origin
        var ids: [MessageID] = []
        for i in 0..<5 {
            let id = MessageID(high: 5, low: UInt64(i))
            ids.append(id)
            let at = t0.addingTimeInterval(Double(i) * 3600)
            activity.record(
                MessageEvent(
                    organizationID: data.organizations[0], instanceID: data.instances[0], contactID: contact,
                    messageID: id, direction: .outbound, milestone: .sent, occurredAt: at, sentAt: at))
        }
        activity.record(
            MessageEvent(
                organizationID: data.organizations[0], instanceID: data.instances[0], contactID: contact,
                messageID: ids[4], direction: .outbound, milestone: .replied,
                occurredAt: t0.addingTimeInterval(5 * 3600), sentAt: t0))
        activity.record(
            MessageEvent(
                organizationID: data.organizations[0], instanceID: data.instances[0], contactID: contact,
                messageID: MessageID(high: 6, low: 0), direction: .inbound, milestone: .received,
                occurredAt: t0.addingTimeInterval(5 * 3600)))
        // Another contact's event is ignored.
        activity.record(
            MessageEvent(
                organizationID: data.organizations[0], instanceID: data.instances[0], contactID: data.contacts[1],
                messageID: ids[0], direction: .outbound, milestone: .sent, occurredAt: t0))
        #expect(activity.outboundCount == 5 && activity.repliedCount == 1)
        #expect(activity.recentOutbound.map(\.messageID) == Array(ids.suffix(3)))
        #expect(activity.recentOutbound.map(\.replied) == [false, false, true])
        #expect(activity.lastInboundAt == t0.addingTimeInterval(5 * 3600))
        let policy = EngagementPolicy(engagedMinimumReplies: 1, engagedLookback: 3)
        #expect(policy.segments(of: activity, asOf: t0.addingTimeInterval(86_400)) == [.engaged, .active])
        let contactRecord = Contact(id: contact, organizationID: data.organizations[0], optedOut: true, createdAt: t0)
        #expect(ContactActivity(contact: contactRecord).optedOut)
    }

    @Test("dashboard windows, totals and top campaigns")
    func dashboard() {
        let data = AnalyticsTestData(seed: 55)
        let events = data.events(messages: 3_000, days: 40)
        let rollups = DailyRollups(events)
        let organization = data.organizations[1]
        let asOf = AnalyticsTestData.origin.addingTimeInterval(35 * 86_400 + 3600)
        let dashboard = OrganizationDashboard(
            organizationID: organization, rollups: rollups, asOf: asOf, activeInstances: 2, totalInstances: 3,
            campaignNames: [data.campaigns[1]!: "Spring sale"], topCampaignLimit: 2, segments: [.active: 4])
        let today = DayKey(asOf)
        func reference(days: Int) -> AnalyticsReference.Summary {
            AnalyticsReference.summary(
                events.filter {
                    $0.organizationID == organization
                        && (today.advanced(by: -(days - 1))...today).contains(DayKey($0.sentAt ?? $0.occurredAt))
                })
        }
        for (window, days) in [(dashboard.today, 1), (dashboard.last7Days, 7), (dashboard.last30Days, 30)] {
            let expected = reference(days: days)
            #expect(window.lastDay == today && window.firstDay == today.advanced(by: -(days - 1)))
            #expect(
                window.counts
                    == MessageCounts(
                        sent: expected.sent, delivered: expected.delivered, read: expected.read,
                        failed: expected.failed, replied: expected.replied, received: expected.received))
            #expect(window.rates == window.counts.rates)
        }
        #expect(
            dashboard.today.timeToDelivered.p50 == AnalyticsReference.percentile(50, of: reference(days: 1).deliveredLatencies))
        #expect(dashboard.last30Days.counts.sent > dashboard.last7Days.counts.sent)
        #expect(dashboard.topCampaigns.count == 2)
        let sentPerCampaign = Dictionary(
            grouping: events.filter {
                $0.organizationID == organization && $0.milestone == .sent && $0.campaignID != nil
                    && (today.advanced(by: -29)...today).contains(DayKey($0.sentAt!))
            }, by: { $0.campaignID! }
        ).mapValues(\.count)
        let expectedTop = sentPerCampaign.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(2).map(\.key)
        #expect(dashboard.topCampaigns.map(\.campaignID) == expectedTop)
        #expect(dashboard.topCampaigns.map(\.counts.sent) == expectedTop.map { sentPerCampaign[$0]! })
        #expect(
            dashboard.topCampaigns.first { $0.campaignID == data.campaigns[1] }.map { $0.name == "Spring sale" } ?? true
        )
        #expect(dashboard.activeInstances == 2 && dashboard.segments == [.active: 4])
    }
}
