import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Analytics service: figures")
struct AnalyticsServiceFigureTests {
    typealias Reference = AnalyticsServiceReference

    /// The day strings of `now` and the `count - 1` days before it, in `zone` (Foundation calendar arithmetic).
    static func days(_ count: Int, endingAt now: Date, in zone: TimeZone) -> Set<String> {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return Set((0..<count).map { Reference.day(calendar.date(byAdding: .day, value: -$0, to: now)!, in: zone) })
    }

    @Test("the dashboard's windows match a message-by-message reference", arguments: ["Asia/Kolkata", "UTC"])
    func dashboardMatchesReference(zoneName: String) async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 1_300)
        let zone = try #require(TimeZone(identifier: zoneName))
        let now = AnalyticsServiceWorld.now
        let dashboard = try await world.analytics.dashboard(timeZone: zone, by: world.viewer)
        let replies = Reference.replies(world.messages)
        #expect(replies.count > 50)

        let windows = [(1, dashboard.today), (7, dashboard.last7Days), (30, dashboard.last30Days)]
        for (length, window) in windows {
            let days = Self.days(length, endingAt: now, in: zone)
            let expected = Reference.figures(world.messages, replies: replies) { days.contains(Reference.day($0, in: zone)) }
            #expect(window.counts == expected.counts, "\(length) days")
            #expect(Reference.close(window.timeToDelivered, expected.percentiles(expected.toDelivered)), "\(length) days")
            #expect(Reference.close(window.timeToRead, expected.percentiles(expected.toRead)), "\(length) days")
            #expect(window.lastDay.description == Reference.day(now, in: zone))
            #expect(window.firstDay.distance(to: window.lastDay) == length - 1)
            if expected.counts.sent > 0 {
                #expect(window.rates.deliveryRate == Double(expected.counts.delivered) / Double(expected.counts.sent))
                #expect(window.rates.replyRate == Double(expected.counts.replied) / Double(expected.counts.sent))
            }
            #expect(window.rates.failureRate
                == (expected.counts.sent + expected.counts.failed == 0
                    ? nil : Double(expected.counts.failed) / Double(expected.counts.sent + expected.counts.failed)))
        }
        #expect(dashboard.last30Days.counts.sent > 500 && dashboard.last30Days.counts.replied > 50)
        #expect(dashboard.today.counts.sent + dashboard.today.counts.received > 0)

        // Top campaigns: by messages sent in the 30 days, with their names.
        let days30 = Self.days(30, endingAt: now, in: zone)
        let expectedTop = [(world.c1, "Spring sale"), (world.c2, "Survey")].map { id, name in
            (id, name, Reference.figures(world.messages, replies: replies, campaign: id) {
                days30.contains(Reference.day($0, in: zone))
            }.counts)
        }.sorted { ($0.2.sent, $1.0) > ($1.2.sent, $0.0) }
        #expect(dashboard.topCampaigns.map(\.campaignID) == expectedTop.map(\.0))
        #expect(dashboard.topCampaigns.map(\.name) == expectedTop.map(\.1))
        #expect(dashboard.topCampaigns.map(\.counts) == expectedTop.map(\.2))
        #expect(dashboard.activeInstances == 1 && dashboard.totalInstances == 2)
        #expect(dashboard.segments == nil)
    }

    @Test("agents see the dashboard of their instances only")
    func agentDashboard() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 900)
        let now = AnalyticsServiceWorld.now
        let dashboard = try await world.analytics.dashboard(by: world.agent)
        let replies = Reference.replies(world.messages)
        let days = Self.days(30, endingAt: now, in: .gmt)
        let expected = Reference.figures(world.messages, replies: replies, instances: [world.i1]) {
            days.contains(Reference.day($0, in: .gmt))
        }
        let everything = Reference.figures(world.messages, replies: replies) { days.contains(Reference.day($0, in: .gmt)) }
        #expect(dashboard.last30Days.counts == expected.counts)
        #expect(expected.counts.sent < everything.counts.sent)
        #expect(dashboard.topCampaigns.map(\.campaignID) == [world.c1])
        #expect(dashboard.totalInstances == 1 && dashboard.activeInstances == 1)
    }

    @Test(
        "daily metrics match the reference per day",
        arguments: [(false, false, "America/New_York"), (true, false, "UTC"), (false, true, "Europe/Berlin"), (true, true, "UTC")])
    func dailyMetrics(byInstance: Bool, byCampaign: Bool, zoneName: String) async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 1_300, seed: 11)
        let zone = try #require(TimeZone(identifier: zoneName))
        let now = AnalyticsServiceWorld.now
        let last = DayKey(now, in: zone).advanced(by: -10)
        let first = last.advanced(by: -14)
        let instance = byInstance ? world.i1 : nil
        let campaign = byCampaign ? world.c1 : nil
        let metrics = try await world.analytics.dailyMetrics(
            from: first, to: last, instance: instance, campaign: campaign, timeZone: zone, by: world.admin)
        #expect(metrics.map(\.day) == Array(first...last))
        let replies = Reference.replies(world.messages)
        var total = MessageCounts()
        for metric in metrics {
            let expected = Reference.figures(
                world.messages, replies: replies, instances: instance.map { [$0] }, campaign: campaign
            ) { Reference.day($0, in: zone) == metric.day.description }
            #expect(metric.counts == expected.counts, "\(metric.day)")
            #expect(Reference.close(metric.timeToDelivered, expected.percentiles(expected.toDelivered)), "\(metric.day)")
            #expect(Reference.close(metric.timeToRead, expected.percentiles(expected.toRead)), "\(metric.day)")
            #expect(metric.rates == expected.counts.rates)
            total.merge(metric.counts)
        }
        #expect(total.sent > 20 && total.replied > 0)
        if byCampaign { #expect(total.received == 0) } else { #expect(total.received > 0) }
    }

    @Test("daily metrics validate the range")
    func dailyMetricsRange() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 0)
        let day = DayKey(AnalyticsServiceWorld.now)
        let backwards = await expectWAError(.invalidArgument) {
            try await world.analytics.dailyMetrics(from: day, to: day.advanced(by: -1), by: world.admin)
        }
        #expect(backwards?.field == "from")
        let tooLong = await expectWAError(.invalidArgument) {
            try await world.analytics.dailyMetrics(from: day.advanced(by: -366), to: day, by: world.admin)
        }
        #expect(tooLong?.field == "to")
        let year = try await world.analytics.dailyMetrics(from: day.advanced(by: -365), to: day, by: world.admin)
        #expect(year.count == 366 && year.allSatisfy { $0.counts == MessageCounts() })
    }

    @Test("a campaign report matches the reference: funnel, rates and latencies")
    func campaignReport() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 1_300, seed: 3)
        let replies = Reference.replies(world.messages)
        for (campaign, recordedTotal) in [(world.c1, 400), (world.c2, 0)] {
            let report = try await world.analytics.campaignReport(campaign, by: world.viewer)
            let expected = Reference.figures(world.messages, replies: replies, campaign: campaign) { _ in true }
            let own = world.messages.filter { $0.campaignID == campaign }
            #expect(report.counts == expected.counts)
            #expect(report.messages == own.count)
            #expect(report.inFlight == own.filter { $0.timestamps.sentAt == nil && $0.timestamps.failedAt == nil }.count)
            #expect(report.targeted == max(recordedTotal, own.count))
            #expect(report.funnel.steps.map(\.count)
                == [report.targeted, expected.counts.sent, expected.counts.delivered, expected.counts.read,
                    expected.counts.replied])
            #expect(report.funnel[.delivered].conversionFromPrevious
                == Double(expected.counts.delivered) / Double(expected.counts.sent))
            #expect(report.rates.readRate == Double(expected.counts.read) / Double(expected.counts.delivered))
            #expect(report.timeToDelivered == expected.percentiles(expected.toDelivered))
            #expect(report.timeToRead == expected.percentiles(expected.toRead))
            #expect(report.timeToReply == expected.percentiles(expected.toReply))
            #expect(report.firstSentAt == own.compactMap(\.timestamps.sentAt).min())
            #expect(report.lastSentAt == own.compactMap(\.timestamps.sentAt).max())
            #expect(expected.counts.replied > 5)
        }
    }

    @Test("a report of an empty campaign has empty figures")
    func emptyCampaign() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 0)
        let report = try await world.analytics.campaignReport(world.c1, by: world.admin)
        #expect(report.messages == 0 && report.counts == MessageCounts() && report.targeted == 400)
        #expect(report.rates.deliveryRate == nil && report.timeToReply == Percentiles(p50: nil, p90: nil, p99: nil))
        #expect(report.funnel[.sent].conversionFromStart == 0)
    }

    // MARK: Segments

    /// Contacts built to land in one segment each (see the expectations below).
    @Test("segment counts over a seeded contact set, and agents get the organization's")
    func segmentCounts() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 0, contactCount: 8)
        let now = AnalyticsServiceWorld.now
        let c = world.contacts
        let day: TimeInterval = 86_400
        var messages: [Message] = []
        var lastInbound: [ContactID: Date] = [:]
        func out(_ contact: Contact, _ instance: InstanceID, daysAgo: Double) {
            let sent = now.addingTimeInterval(-daysAgo * day)
            messages.append(
                Message(
                    id: world.env.ids.make(), organizationID: world.org, instanceID: instance, chatJID: contact.jid!,
                    contactID: contact.id, direction: .outbound, kind: .text, body: "hi", status: .delivered,
                    timestamps: .init(sentAt: sent, deliveredAt: sent.addingTimeInterval(5)), createdAt: sent))
        }
        func inbound(_ contact: Contact, _ instance: InstanceID, daysAgo: Double) {
            let at = now.addingTimeInterval(-daysAgo * day)
            messages.append(
                Message(
                    id: world.env.ids.make(), organizationID: world.org, instanceID: instance, chatJID: contact.jid!,
                    contactID: contact.id, direction: .inbound, kind: .text, body: "yo", status: .delivered,
                    createdAt: at))
            lastInbound[contact.id] = max(lastInbound[contact.id] ?? at, at)
        }
        let i1 = world.i1
        // engaged: replied to 2 of its last 3.
        out(c[0], i1, daysAgo: 10); inbound(c[0], i1, daysAgo: 9.9)
        out(c[0], i1, daysAgo: 9); inbound(c[0], i1, daysAgo: 8.9)
        out(c[0], i1, daysAgo: 6)
        // active: wrote 2 days ago.
        inbound(c[1], i1, daysAgo: 2)
        // dormant: wrote 40 days ago, on the second instance.
        inbound(c[2], world.i2, daysAgo: 40)
        // never replied.
        out(c[3], i1, daysAgo: 5); out(c[3], i1, daysAgo: 3)
        // c[4]: new (nothing at all).
        // c[5] is opted out (world seeds index 5 so); it would be engaged otherwise.
        out(c[5], i1, daysAgo: 4); inbound(c[5], i1, daysAgo: 3.9)
        out(c[5], i1, daysAgo: 3); inbound(c[5], i1, daysAgo: 2.9)
        // occasional: wrote 15 days ago.
        inbound(c[6], i1, daysAgo: 15)
        // occasional: one reply of the last two, last wrote 20 days ago.
        out(c[7], i1, daysAgo: 20); inbound(c[7], i1, daysAgo: 19.9)
        out(c[7], i1, daysAgo: 1)
        #expect(c[5].optedOut && c.filter(\.optedOut).count == 1)

        let seeded = Reference.markingReplies(messages)
        let stamped = lastInbound
        try await world.env.store.transaction(.organization(world.org)) { tx in
            for message in seeded { _ = try await tx.messages.insert(message) }
            for (id, at) in stamped { try await tx.contacts.modify(id, in: world.org) { $0.lastInboundAt = at } }
        }

        let counts = try await world.analytics.segmentCounts(by: world.viewer)
        #expect(counts == [.optedOut: 1, .engaged: 1, .active: 1, .dormant: 1, .neverReplied: 1, .new: 1, .occasional: 2])

        // Contacts are organization-wide: the agent, who works the first instance only, gets the same counts.
        let agentCounts = try await world.analytics.segmentCounts(by: world.agent)
        #expect(agentCounts == counts)

        // A stricter policy: two replies of the last two.
        let strict = EngagementPolicy(engagedMinimumReplies: 2, engagedLookback: 2)
        let strictCounts = try await world.analytics.segmentCounts(policy: strict, by: world.admin)
        #expect(strictCounts[.engaged] == 0 && strictCounts[.occasional] == 3)

        // Dashboards carry the same counts when asked to.
        let dashboard = try await world.analytics.dashboard(segments: EngagementPolicy(), by: world.admin)
        #expect(dashboard.segments == counts)
    }

    @Test("segment counts cover every contact once")
    func segmentTotals() async throws {
        let world = try await AnalyticsServiceWorld.make(messageCount: 1_100, contactCount: 700, seed: 5)
        let counts = try await world.analytics.segmentCounts(by: world.admin)
        #expect(counts.values.reduce(0, +) == 700)
        #expect(Set(counts.keys) == Set(EngagementSegment.allCases))
        #expect(counts[.new]! + counts[.optedOut]! >= 700 - 25)
        #expect(counts[.optedOut] == world.contacts.filter(\.optedOut).count)
    }
}
