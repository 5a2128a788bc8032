import Foundation
import WACore

extension RepositoryContract {
    static var analyticsCases: [Case] {
        [
            Case("analytics: message writes keep the rollups, per day in every quarter-hour zone", rollupsFollowMessages),
            Case("analytics: a rolled-back or repeated write adds nothing to the rollups", rollupsCountOnce),
            Case("analytics: message writes keep each contact's activity; segments are store queries", segmentsFollowMessages),
            Case("analytics: the reply candidate is the chat's latest unreplied outbound message in the window", replyCandidate),
            Case("analytics: concurrent replies in one chat mark distinct messages", concurrentReplies),
        ]
    }

    /// The zones the rollup cases read in: UTC, a whole-hour offset with daylight saving, a quarter-hour offset, a
    /// half-hour offset with daylight saving.
    private static let zones = ["UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"].compactMap(
        TimeZone.init(identifier:))

    /// A message with the given milestones, at whole seconds after `base`.
    private static func message(
        _ f: Fixtures, _ t: TenantFixture, instance: InstanceID, chat: JID, contact: ContactID? = nil,
        campaign: CampaignID? = nil, direction: Message.Direction = .outbound, created: Date, sent: Double? = nil,
        delivered: Double? = nil, read: Double? = nil, failed: Double? = nil
    ) -> Message {
        var message = f.message(in: t.id, instance: instance, chat: chat, direction: direction)
        message.contactID = contact
        message.campaignID = campaign
        message.createdAt = created
        if direction == .inbound {
            message.status = .delivered
            return message
        }
        message.timestamps.queuedAt = created
        if let failed {
            message.timestamps.failedAt = created.addingTimeInterval(failed)
            message.status = .failed
        }
        if let sent {
            let at = created.addingTimeInterval(sent)
            message.timestamps.sentAt = at
            message.status = .sent
            if let delivered {
                message.timestamps.deliveredAt = at.addingTimeInterval(delivered)
                message.status = .delivered
            }
            if let read {
                message.timestamps.readAt = at.addingTimeInterval(read)
                message.status = .read
            }
        }
        return message
    }

    /// The figures `messages` give per day of `zone`, computed from their milestones the obvious way.
    private static func expectedFigures(
        _ messages: [Message], in zone: TimeZone, dimensions: RollupDimensions,
        keeping include: (MessageEvent) -> Bool = { _ in true }
    ) -> [RollupKey: RollupFigures] {
        var result: [RollupKey: RollupFigures] = [:]
        for event in messages.flatMap(MessageEvent.events(for:)) where include(event) {
            let key = RollupKey(
                organizationID: event.organizationID, day: DayKey(event.cohortDate, in: zone),
                instanceID: event.instanceID, campaignID: event.campaignID
            ).restricted(to: dimensions)
            result[key, default: RollupFigures()].record(event)
        }
        return result
    }

    private static func rollupsFollowMessages(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let (second, campaign) = try await store.transaction(scope) { tx in
            let second = try await tx.instances.insert(f.instance(in: t.id))
            let campaign = try await tx.campaigns.insert(
                f.campaign(in: t.id, instance: t.instance.id, template: t.template.id))
            return (second, campaign)
        }
        // Messages around local midnights of the zones read (18:15 UTC is 00:00 in Kathmandu, 02:30 or 03:30 UTC is
        // midnight in St John's, 22:00 or 23:00 UTC in Berlin), on both instances, in and out of the campaign, in both
        // directions.
        let base = DayKey(f.now(), in: .gmt).advanced(by: 1).start(in: .gmt)
        let instants: [Double] = [
            0, 60, 9_000, 9_060, 12_600, 12_660, 65_640, 65_700, 65_760, 79_140, 79_260, 82_740, 82_860, 86_340, 90_000,
            151_200,
        ]
        var queued: [Message] = []
        var final: [Message] = []
        for (index, offset) in instants.enumerated() {
            let created = base.addingTimeInterval(offset)
            let instance = index % 3 == 0 ? second.id : t.instance.id
            let chat = f.phone().jid
            let inCampaign: CampaignID? = index % 2 == 0 ? campaign.id : nil
            final.append(
                message(f, t, instance: instance, chat: chat, campaign: inCampaign, created: created, sent: 30,
                    delivered: Double(5 + index), read: index % 4 == 0 ? Double(600 * index + 1) : nil))
            queued.append(message(f, t, instance: instance, chat: chat, campaign: inCampaign, created: created))
            final.append(message(f, t, instance: instance, chat: chat, direction: .inbound, created: created.addingTimeInterval(90)))
            if index % 5 == 0 {
                final.append(message(f, t, instance: instance, chat: chat, created: created, failed: 2))
            }
        }
        // Some messages are written in one go, others queued first and then advanced step by step as receipts come.
        let advanced = queued.map { queuedMessage -> Message in
            var later = queuedMessage
            later.timestamps.sentAt = queuedMessage.createdAt.addingTimeInterval(45)
            later.timestamps.deliveredAt = queuedMessage.createdAt.addingTimeInterval(50)
            later.status = .delivered
            return later
        }
        try await store.transaction(scope) { tx in
            for message in final { _ = try await tx.messages.insert(message) }
            for message in queued { _ = try await tx.messages.insert(message) }
        }
        for message in advanced {
            try await store.transaction(scope) { tx in
                var stored = try await tx.messages.get(message.id, in: t.id)
                stored.timestamps.sentAt = message.timestamps.sentAt
                stored.status = .sent
                stored = try await tx.messages.update(stored)
                stored.timestamps.deliveredAt = message.timestamps.deliveredAt
                stored.status = .delivered
                var replied = try await tx.messages.update(stored)
                replied.timestamps.repliedAt = message.createdAt.addingTimeInterval(3_600)
                _ = try await tx.messages.update(replied)
            }
        }
        var all = final
        for message in advanced {
            var replied = message
            replied.timestamps.repliedAt = message.createdAt.addingTimeInterval(3_600)
            all.append(replied)
        }
        let days = DayKey(base, in: .gmt).advanced(by: -1)...DayKey(base, in: .gmt).advanced(by: 3)
        for zone in zones {
            for dimensions in [RollupDimensions.organization, .instance, .campaign, .all] {
                let stored = try await store.transaction(scope) { tx in
                    try await tx.rollups.dailyFigures(
                        in: t.id, days: days, timeZone: zone, dimensions: dimensions, instanceIDs: nil, campaignID: nil)
                }
                let expected = expectedFigures(all, in: zone, dimensions: dimensions)
                try check(stored == expected, "\(zone.identifier) \(dimensions): \(stored) != \(expected)")
            }
            let narrowed = try await store.transaction(scope) { tx in
                try await tx.rollups.dailyFigures(
                    in: t.id, days: days, timeZone: zone, dimensions: .organization, instanceIDs: [second.id],
                    campaignID: campaign.id)
            }
            let expected = expectedFigures(all, in: zone, dimensions: .organization) {
                $0.instanceID == second.id && $0.campaignID == campaign.id
            }
            try check(narrowed == expected && !expected.isEmpty, "\(zone.identifier) one instance and campaign")
            let firstDayOnly = try await store.transaction(scope) { tx in
                try await tx.rollups.dailyFigures(
                    in: t.id, days: days.lowerBound...days.lowerBound.advanced(by: 1), timeZone: zone,
                    dimensions: .organization, instanceIDs: nil, campaignID: nil)
            }
            try check(
                firstDayOnly == figures(of: all, in: zone, within: days.lowerBound...days.lowerBound.advanced(by: 1)),
                "\(zone.identifier): a shorter range holds only its days")
        }
        // Deleting messages leaves their figures.
        let before = try await store.transaction(scope) { tx in
            try await tx.rollups.dailyFigures(
                in: t.id, days: days, timeZone: .gmt, dimensions: .all, instanceIDs: nil, campaignID: nil)
        }
        try await store.transaction(scope) { tx in
            for message in final.prefix(4) { try await tx.messages.delete(message.id, in: t.id) }
        }
        let after = try await store.transaction(scope) { tx in
            try await tx.rollups.dailyFigures(
                in: t.id, days: days, timeZone: .gmt, dimensions: .all, instanceIDs: nil, campaignID: nil)
        }
        try check(after == before, "deleting messages leaves the rollups as they were")

        func figures(of messages: [Message], in zone: TimeZone, within range: ClosedRange<DayKey>)
            -> [RollupKey: RollupFigures]
        {
            expectedFigures(messages, in: zone, dimensions: .organization).filter { range.contains($0.key.day) }
        }
    }

    private static func rollupsCountOnce(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let created = DayKey(f.now(), in: .gmt).advanced(by: 1).start(in: .gmt).addingTimeInterval(3_600)
        let sent = message(f, t, instance: t.instance.id, chat: f.phone().jid, created: created, sent: 10)
        let day = DayKey(created, in: .gmt)
        func figures() async throws -> RollupFigures? {
            try await store.transaction(scope) { tx in
                try await tx.rollups.dailyFigures(
                    in: t.id, days: day...day, timeZone: .gmt, dimensions: .organization, instanceIDs: nil,
                    campaignID: nil
                )[RollupKey(organizationID: t.id, day: day)]
            }
        }
        do {
            try await store.transaction(scope) { tx in
                _ = try await tx.messages.insert(sent)
                throw Boom(tag: "rollback")
            }
        } catch is Boom {}
        try check(try await figures() == nil, "a rolled-back insert leaves no figures")
        _ = try await store.transaction(scope) { try await $0.messages.insert(sent) }
        try check(try await figures()?.counts == MessageCounts(sent: 1), "the insert counts its milestones")
        // Updates that reach no new milestone (a body edit, a revoke, the same status again) add nothing.
        try await store.transaction(scope) { tx in
            try await tx.messages.modify(sent.id, in: t.id) { $0.body = "edited" }
            try await tx.messages.modify(sent.id, in: t.id) { $0.revokedAt = created.addingTimeInterval(60) }
        }
        do {
            try await store.transaction(scope) { tx in
                try await tx.messages.modify(sent.id, in: t.id) {
                    $0.timestamps.deliveredAt = created.addingTimeInterval(20)
                    $0.status = .delivered
                }
                throw Boom(tag: "rollback")
            }
        } catch is Boom {}
        try check(try await figures()?.counts == MessageCounts(sent: 1), "no-op and rolled-back updates add nothing")
        _ = try await store.transaction(scope) { tx in
            try await tx.messages.modify(sent.id, in: t.id) {
                $0.timestamps.deliveredAt = created.addingTimeInterval(20)
                $0.status = .delivered
            }
        }
        let figures = try await figures()
        try check(figures?.counts == MessageCounts(sent: 1, delivered: 1), "a receipt counts once")
        try check(figures?.timeToDelivered.count == 1 && figures?.timeToDelivered.min == 10, "with its latency")
    }

    private static func segmentsFollowMessages(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let now = DayKey(f.now(), in: .gmt).advanced(by: 60).start(in: .gmt)
        let day: TimeInterval = 86_400
        var contacts = (0..<7).map { _ in f.contact(in: t.id) }
        contacts[5].optedOut = true
        contacts[5].optedOutAt = now.addingTimeInterval(-day)
        contacts[6].lastInboundAt = now.addingTimeInterval(-2 * day)  // wrote before the gateway knew the chat
        var messages: [Message] = []
        func out(_ contact: Int, daysAgo: Double, repliedAfter: Double? = nil) {
            let created = now.addingTimeInterval(-daysAgo * day)
            var m = message(
                f, t, instance: t.instance.id, chat: contacts[contact].jid!, contact: contacts[contact].id,
                created: created, sent: 1, delivered: 2)
            if let repliedAfter { m.timestamps.repliedAt = created.addingTimeInterval(repliedAfter) }
            messages.append(m)
        }
        func inbound(_ contact: Int, daysAgo: Double) {
            messages.append(
                message(
                    f, t, instance: t.instance.id, chat: contacts[contact].jid!, contact: contacts[contact].id,
                    direction: .inbound, created: now.addingTimeInterval(-daysAgo * day)))
        }
        out(0, daysAgo: 10, repliedAfter: 60); inbound(0, daysAgo: 9.9)
        out(0, daysAgo: 9, repliedAfter: 60); inbound(0, daysAgo: 8.9)
        out(0, daysAgo: 6)  // engaged
        inbound(1, daysAgo: 2)  // active
        inbound(2, daysAgo: 40)  // dormant
        out(3, daysAgo: 5); out(3, daysAgo: 3)  // never replied
        // contacts[4]: new
        out(5, daysAgo: 4, repliedAfter: 60); inbound(5, daysAgo: 3.9)  // opted out
        // contacts[6]: active by its stored last inbound time alone
        // 40 outbound messages to contact 1, of which only the last one replied: the store keeps the last 32.
        for index in 0..<40 { out(1, daysAgo: 50 - Double(index) / 2, repliedAfter: index == 39 ? 60 : nil) }
        let seeded = messages
        let seededContacts = contacts
        try await store.transaction(scope) { tx in
            for contact in seededContacts { _ = try await tx.contacts.insert(contact) }
            for message in seeded { _ = try await tx.messages.insert(message) }
        }
        // Each contact's activity the obvious way: its messages' milestones folded in order.
        let activities = seededContacts.map { contact in
            var stored: ContactActivity?
            for event in seeded.flatMap(MessageEvent.events(for:)) where event.contactID == contact.id {
                if stored == nil {
                    stored = ContactActivity(contactID: contact.id, recentLimit: ContactActivity.storedRecentLimit)
                }
                stored?.record(event)
            }
            return ContactActivity(contact: contact, stored: stored)
        }
        let policies = [
            EngagementPolicy(), EngagementPolicy(engagedMinimumReplies: 2, engagedLookback: 2),
            EngagementPolicy(activeWindow: .seconds(3 * day), engagedMinimumReplies: 1, engagedLookback: 32),
        ]
        for policy in policies {
            let expectedCounts = policy.summary(of: activities, asOf: now)
            let counts = try await store.transaction(scope) { tx in
                try await tx.contactActivities.segmentCounts(in: t.id, policy: policy, asOf: now)
            }
            try check(counts == expectedCounts, "segment counts under \(policy): \(counts) != \(expectedCounts)")
            for segment in EngagementSegment.allCases {
                var members: [ContactID] = []
                var page = try PageRequest(limit: 2, order: .oldestFirst)
                while true {
                    let found = try await store.transaction(scope) { tx in
                        try await tx.contactActivities.contacts(in: segment, policy: policy, asOf: now, of: t.id, page: page)
                    }
                    members += found.items.map(\.id)
                    guard let next = found.nextCursor else { break }
                    page = try PageRequest(limit: 2, cursor: next, order: .oldestFirst)
                }
                let expectedMembers = activities.filter { policy.segments(of: $0, asOf: now).contains(segment) }
                    .map(\.contactID).sorted()
                try check(members == expectedMembers, "\(segment) under \(policy): \(members) != \(expectedMembers)")
            }
        }
        let defaults = try await store.transaction(scope) { tx in
            try await tx.contactActivities.segmentCounts(in: t.id, policy: EngagementPolicy(), asOf: now)
        }
        try check(
            defaults == [.optedOut: 1, .engaged: 1, .active: 2, .dormant: 1, .neverReplied: 1, .new: 1, .occasional: 0],
            "the seeded contacts land where they were built to: \(defaults)")
        let kept = try await store.transaction(scope) { tx in
            try await tx.contactActivities.find(contact: seededContacts[1].id, in: t.id)
        }
        try check(
            kept?.outboundCount == 40 && kept?.repliedCount == 1 && kept?.recentOutbound.count == 32
                && kept?.recentOutbound.last?.replied == true,
            "the activity counts everything and keeps the last 32 outbound messages: \(String(describing: kept))")
        // Deleting a contact deletes its activity.
        try await store.transaction(scope) { tx in try await tx.contacts.delete(seededContacts[0].id, in: t.id) }
        let (gone, afterDelete) = try await store.transaction(scope) { tx in
            (
                try await tx.contactActivities.find(contact: seededContacts[0].id, in: t.id),
                try await tx.contactActivities.segmentCounts(in: t.id, policy: EngagementPolicy(), asOf: now)
            )
        }
        try check(gone == nil && afterDelete[.engaged] == 0, "a deleted contact's activity is gone")
    }

    private static func replyCandidate(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let other = try await store.transaction(scope) { try await $0.instances.insert(f.instance(in: t.id)) }
        let arrival = DayKey(f.now(), in: .gmt).advanced(by: 10).start(in: .gmt)
        let chat = f.phone().jid
        let window: Duration = .seconds(72 * 3_600)
        func sent(_ hoursBefore: Double, instance: InstanceID? = nil, in jid: JID? = nil) -> Message {
            let at = arrival.addingTimeInterval(-hoursBefore * 3_600)
            return message(
                f, t, instance: instance ?? t.instance.id, chat: jid ?? chat, created: at.addingTimeInterval(-5),
                sent: 5)
        }
        let tooOld = sent(72.01)
        let oldest = sent(72)  // exactly at the edge of the window: still a candidate
        let older = sent(10)
        var replied = sent(5)
        replied.timestamps.repliedAt = arrival.addingTimeInterval(-3_600)
        let later = sent(-1)  // sent after the arrival
        let unsent = message(f, t, instance: t.instance.id, chat: chat, created: arrival.addingTimeInterval(-60))
        let inbound = message(
            f, t, instance: t.instance.id, chat: chat, direction: .inbound, created: arrival.addingTimeInterval(-30))
        let otherChat = sent(1, in: f.phone().jid)
        let otherInstance = sent(1, instance: other.id)
        try await store.transaction(scope) { tx in
            for m in [tooOld, oldest, older, replied, later, unsent, inbound, otherChat, otherInstance] {
                _ = try await tx.messages.insert(m)
            }
        }
        func candidate() async throws -> Message? {
            try await store.transaction(scope) { tx in
                try await tx.messages.replyCandidate(
                    chat: chat, instance: t.instance.id, arrival: arrival, window: window, in: t.id)
            }
        }
        try check(try await candidate()?.id == older.id, "the latest unreplied message sent in the window")
        _ = try await store.transaction(scope) { tx in
            try await tx.messages.modify(older.id, in: t.id) { $0.timestamps.repliedAt = arrival }
        }
        try check(try await candidate()?.id == oldest.id, "then the next one, up to the window's edge")
        // Two sent at the same instant: the greater id wins.
        var twins = [sent(2), sent(2)]
        twins.sort { $0.id < $1.id }
        twins[1].timestamps.sentAt = twins[0].timestamps.sentAt
        let pair = twins
        try await store.transaction(scope) { tx in for m in pair { _ = try await tx.messages.insert(m) } }
        try check(try await candidate()?.id == pair[1].id, "ties go to the greater id")
        let none = try await store.transaction(scope) { tx in
            try await tx.messages.replyCandidate(
                chat: chat, instance: t.instance.id, arrival: arrival.addingTimeInterval(-100 * 3_600),
                window: window, in: t.id)
        }
        try check(none == nil, "nothing was sent in the window before an early arrival")
    }

    private static func concurrentReplies(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let chat = f.phone().jid
        let start = DayKey(f.now(), in: .gmt).advanced(by: 1).start(in: .gmt)
        let outbound = (0..<4).map { index in
            message(f, t, instance: t.instance.id, chat: chat, created: start.addingTimeInterval(Double(index)), sent: 1)
        }
        try await store.transaction(scope) { tx in for m in outbound { _ = try await tx.messages.insert(m) } }
        let arrival = start.addingTimeInterval(600)
        // Four replies arrive at once, each marking the candidate it finds; a loser runs again.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await store.transaction(scope, retryingConflicts: 20) { tx in
                        guard
                            var answered = try await tx.messages.replyCandidate(
                                chat: chat, instance: t.instance.id, arrival: arrival, window: .seconds(72 * 3_600),
                                in: t.id)
                        else { throw ContractViolation(message: "no candidate left for a reply", location: #fileID) }
                        answered.timestamps.repliedAt = arrival
                        _ = try await tx.messages.update(answered)
                    }
                }
            }
            try await group.waitForAll()
        }
        let day = DayKey(start, in: .gmt)
        let (stored, figures) = try await store.transaction(scope) { tx in
            (
                try await tx.messages.list(in: t.id, where: Message.Filter(chatJID: chat), page: .all).items,
                try await tx.rollups.dailyFigures(
                    in: t.id, days: day...day, timeZone: .gmt, dimensions: .organization, instanceIDs: nil,
                    campaignID: nil)
            )
        }
        try check(stored.allSatisfy { $0.timestamps.repliedAt == arrival }, "every message was marked once")
        try check(
            figures[RollupKey(organizationID: t.id, day: day)]?.counts.replied == 4, "and counted once: \(figures)")
    }
}
