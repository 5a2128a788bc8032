public import Foundation

/// Analytics over the stored messages and contacts: the dashboard, per-day metrics, campaign reports, engagement
/// segment counts, and streamed exports of messages and contacts.
///
/// Figures are computed on demand by the pure engines of `Analytics/` from one read transaction that pages through
/// the messages involved (``MessageEvent/events(for:)`` for every milestone a message reached, ``ReplyAttribution``
/// for replies, ``DailyRollups`` / ``MessageStats`` to fold them). `Docs/Analytics.md` explains every figure.
///
/// Access:
/// - `analytics:read` (viewer and up) for every figure; `data:export` (manager and up) for exports.
/// - Agents see message figures of their assigned instances only: every message query is narrowed to
///   ``AccessPolicy/instanceRestriction(for:)``, naming an unassigned instance (or a campaign on one) is
///   `permission_denied`, and instance counts cover their instances. Segment counts for agents are built from
///   their instances' messages too (a contact's stored last-inbound time, which may come from another instance,
///   is not used for them).
/// - Records of another organization are `not_found`.
///
/// Every export writes an audit event (`messages.exported`, `contacts.exported`) naming the actor, the format and
/// the filter before the first byte is produced.
public struct AnalyticsService: Sendable {
    private let env: ServiceEnvironment
    /// Decides which outbound message an inbound message answers (72 hours by default).
    public let replyAttribution: ReplyAttribution
    /// The latency distributions' configuration (exact up to 1,000 values, then a 1 % sketch).
    public let latencyConfiguration: LatencyDistribution.Configuration

    /// How long before a range messages are still read, so that messages queued before the range but sent inside
    /// it (outbound figures count on the send day) are counted: one day.
    public static let sendDelayAllowance: Duration = .seconds(86_400)
    /// The most days ``dailyMetrics(from:to:instance:campaign:timeZone:by:)`` returns at once.
    public static let maximumDailyMetricsDays = 366
    /// Instance statuses counted as connected on the dashboard.
    public static let connectedStatuses: [InstanceStatus] = [.authenticated, .ready]

    /// A service over `environment`'s store.
    ///
    /// Uses the environment's store, clock, identifier generator and access policy.
    public init(
        environment: ServiceEnvironment, replyAttribution: ReplyAttribution = ReplyAttribution(),
        latencyConfiguration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()
    ) {
        env = environment
        self.replyAttribution = replyAttribution
        self.latencyConfiguration = latencyConfiguration
    }

    // MARK: Figures

    /// The organization's dashboard at `asOf` (default: now) in `timeZone`.
    ///
    /// Reads the messages created from one day before the first of the 30 days (``sendDelayAllowance``) on,
    /// derives their milestones and replies, and rolls them up per day and campaign. `asOf` chooses which day is
    /// "today"; the figures are those of the messages as stored now. Active instances are those
    /// ``connectedStatuses``. Top campaigns carry their names. With `segments`, the dashboard also holds the
    /// contacts per primary engagement segment (``segmentCounts(asOf:policy:by:)``, a scan of every message).
    public func dashboard(
        asOf: Date? = nil, timeZone: TimeZone = .gmt, topCampaignLimit: Int = 5, segments: EngagementPolicy? = nil,
        by principal: Principal
    ) async throws -> OrganizationDashboard {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let restriction = env.policy.instanceRestriction(for: principal)
        let now = asOf ?? env.clock.now()
        let firstDay = DayKey(now, in: timeZone).advanced(by: -29)
        let filter = Message.Filter(
            instanceIDs: restriction, since: firstDay.start(in: timeZone).subtracting(Self.sendDelayAllowance))
        return try await env.transaction(by: principal) { tx in
            var rollups = DailyRollups(dimensions: .campaign, timeZone: timeZone, configuration: latencyConfiguration)
            try await scanEvents(tx, org, filter) { rollups.record($0) }
            let total = try await tx.instances.count(in: org, where: Instance.Filter(ids: restriction))
            var active = 0
            for status in Self.connectedStatuses {
                active += try await tx.instances.count(in: org, where: Instance.Filter(status: status, ids: restriction))
            }
            var segmentCounts: [EngagementSegment: Int]?
            if let segments {
                segmentCounts = try await countSegments(tx, org, restriction, now, segments)
            }
            var dashboard = OrganizationDashboard(
                organizationID: org, rollups: rollups, asOf: now, activeInstances: active, totalInstances: total,
                topCampaignLimit: topCampaignLimit, segments: segmentCounts)
            for index in dashboard.topCampaigns.indices {
                dashboard.topCampaigns[index].name =
                    try await tx.campaigns.find(dashboard.topCampaigns[index].campaignID, in: org)?.name
            }
            return dashboard
        }
    }

    /// One ``DailyMetric`` per day from `first` through `last` (days in `timeZone`, empty days included), of the
    /// whole organization or of one instance and/or one campaign.
    ///
    /// Outbound figures count on the day of sending, inbound messages on the day they arrived. Messages created
    /// from ``sendDelayAllowance`` before the range to the reply window (``ReplyAttribution/window``) after it are
    /// read, so that replies arriving after the last day still count for it. With `campaign`, only the campaign's
    /// outbound milestones count (inbound messages belong to no campaign, so `received` is 0). At most
    /// ``maximumDailyMetricsDays`` days.
    public func dailyMetrics(
        from first: DayKey, to last: DayKey, instance: InstanceID? = nil, campaign: CampaignID? = nil,
        timeZone: TimeZone = .gmt, by principal: Principal
    ) async throws -> [DailyMetric] {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        guard first <= last else { throw WAError.invalid("from", "the first day must not be after the last day") }
        guard first.distance(to: last) < Self.maximumDailyMetricsDays else {
            throw WAError.invalid("to", "at most \(Self.maximumDailyMetricsDays) days can be asked for at once")
        }
        let restriction = env.policy.instanceRestriction(for: principal)
        if let instance { try Self.requireAssigned(instance, restriction) }
        let filter = Message.Filter(
            instanceID: instance, instanceIDs: restriction,
            since: first.start(in: timeZone).subtracting(Self.sendDelayAllowance),
            until: last.advanced(by: 1).start(in: timeZone).adding(replyAttribution.window))
        return try await env.transaction(by: principal) { tx in
            if let instance { _ = try await tx.instances.get(instance, in: org) }
            if let campaign { _ = try await tx.campaigns.get(campaign, in: org) }
            var rollups = DailyRollups(dimensions: .organization, timeZone: timeZone, configuration: latencyConfiguration)
            try await scanEvents(tx, org, filter) { event in
                if campaign == nil || event.campaignID == campaign { rollups.record(event) }
            }
            return (first...last).map { day in
                DailyMetric(
                    day: day,
                    stats: rollups.rows[RollupKey(organizationID: org, day: day)]
                        ?? MessageStats(configuration: latencyConfiguration))
            }
        }
    }

    /// The report of one campaign: funnel, counts, rates and latency percentiles of its messages.
    ///
    /// Counts every outbound message carrying the campaign's id. Replies are attributed with the same rule as
    /// everywhere (``ReplyAttribution``) over the campaign's chats, including the organization's other outbound
    /// messages in those chats (a reply answers the most recent message, campaign or not). Agents get the report
    /// only for campaigns on their instances.
    public func campaignReport(_ id: CampaignID, by principal: Principal) async throws -> CampaignAnalyticsReport {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let restriction = env.policy.instanceRestriction(for: principal)
        return try await env.transaction(by: principal) { tx in
            let campaign = try await tx.campaigns.get(id, in: org)
            try Self.requireAssigned(campaign.instanceID, restriction)
            var stats = MessageStats(configuration: latencyConfiguration)
            var messages = 0
            var inFlight = 0
            var chats = Set<ChatReference>()
            var instances = Set<InstanceID>()
            var earliestCreated: Date?
            var firstSent: Date?
            var lastSent: Date?
            let own = Message.Filter(instanceIDs: restriction, campaignID: id, direction: .outbound)
            try await tx.messages.forEachPage(in: org, where: own) { page in
                for message in page {
                    messages += 1
                    for event in MessageEvent.events(for: message) { stats.record(event) }
                    if let sentAt = message.timestamps.sentAt {
                        chats.insert(ChatReference(message))
                        instances.insert(message.instanceID)
                        earliestCreated = min(earliestCreated ?? message.createdAt, message.createdAt)
                        firstSent = min(firstSent ?? sentAt, sentAt)
                        lastSent = max(lastSent ?? sentAt, sentAt)
                    } else if message.timestamps.failedAt == nil {
                        inFlight += 1
                    }
                }
            }
            var timeToReply = LatencyDistribution(configuration: latencyConfiguration)
            if let earliestCreated, let lastSent {
                // Every message of the campaign's chats from its first message (less the send-delay allowance, so
                // that other messages sent in between are candidates too) until the last reply could arrive.
                let context = Message.Filter(
                    instanceIDs: instances, since: earliestCreated.subtracting(Self.sendDelayAllowance),
                    until: lastSent.adding(replyAttribution.window + .seconds(1)))
                var scan = MessageEventScan(attribution: replyAttribution)
                try await tx.messages.forEachPage(in: org, where: context) { page in
                    for message in page where chats.contains(ChatReference(message)) { scan.remember(message) }
                }
                for event in scan.replyEvents() where event.campaignID == id {
                    stats.record(event)
                    if let latency = event.latencySeconds { timeToReply.add(latency) }
                }
            }
            return CampaignAnalyticsReport(
                campaignID: id, name: campaign.name, status: campaign.status, instanceID: campaign.instanceID,
                targeted: max(campaign.progress.total, messages), messages: messages, inFlight: inFlight,
                stats: stats, timeToReply: timeToReply.percentiles, firstSentAt: firstSent, lastSentAt: lastSent)
        }
    }

    /// How many contacts have each primary engagement segment at `asOf` (default: now) under `policy`; every
    /// segment is present, possibly with 0.
    ///
    /// One pass over the contacts and one over the messages: each message's milestones (and the replies) are
    /// folded into its contact's ``ContactActivity`` (``ContactActivity/recentLimit`` is the policy's
    /// ``EngagementPolicy/engagedLookback``). Messages without a contact are ignored. For agents, only messages of
    /// their instances count, and the contact's stored last-inbound time is not used.
    public func segmentCounts(
        asOf: Date? = nil, policy: EngagementPolicy = EngagementPolicy(), by principal: Principal
    ) async throws -> [EngagementSegment: Int] {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let restriction = env.policy.instanceRestriction(for: principal)
        let now = asOf ?? env.clock.now()
        return try await env.transaction(by: principal) { tx in
            try await countSegments(tx, org, restriction, now, policy)
        }
    }

    // MARK: Exports

    /// Streams the messages matching `filter` as `format`, oldest first, in chunks of `chunkSize` bytes (the last
    /// may be shorter), with the columns of ``ExportColumn/messageColumns``.
    ///
    /// Checks `data:export` and writes the `messages.exported` audit event before returning. The stream then reads
    /// the store one page (500 messages) at a time, each in its own short transaction, only as the consumer takes
    /// the chunks: memory stays at one page whatever the export's size. Messages created after the export started
    /// are left out; a message changed during the export appears as it is when its page is read.
    public func exportMessages(
        format: ExportFormat, filter: Message.Filter = Message.Filter(), chunkSize: Int = 64 * 1024,
        by principal: Principal
    ) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        let org = principal.organizationID
        try env.policy.require(principal, .dataExport, on: .organization(org))
        var query = filter
        if let restriction = env.policy.instanceRestriction(for: principal) {
            if let instance = query.instanceID { try Self.requireAssigned(instance, restriction) }
            query.instanceIDs = query.instanceIDs.map { $0.intersection(restriction) } ?? restriction
        }
        let event = env.auditEvent(
            "messages.exported", by: principal.auditActor, in: org, resourceType: "message", resourceID: nil,
            metadata: Self.metadata(format, query))
        try await env.transaction(by: principal) { _ = try await $0.auditEvents.insert(event) }
        let store = env.store
        let filter = query
        return pagedExportStream(
            format: format, columns: ExportColumn.messageColumns, chunkSize: chunkSize, boundary: event.id.retyped(),
            fetch: { cursor in
                try await store.transaction(.organization(org)) { tx in
                    try await tx.messages.list(in: org, where: filter, page: exportPageRequest(after: cursor))
                }
            })
    }

    /// Streams the contacts matching `filter` as `format`, oldest first, with the columns of
    /// ``ExportColumn/contactColumns``; otherwise like ``exportMessages(format:filter:chunkSize:by:)`` (audit action
    /// `contacts.exported`). Contacts are organization-wide records, so no instance restriction applies.
    public func exportContacts(
        format: ExportFormat, filter: Contact.Filter = Contact.Filter(), chunkSize: Int = 64 * 1024,
        by principal: Principal
    ) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        let org = principal.organizationID
        try env.policy.require(principal, .dataExport, on: .organization(org))
        var metadata = ["format": format.rawValue]
        if let tag = filter.tag { metadata["tag"] = tag }
        if let optedOut = filter.optedOut { metadata["opted_out"] = String(optedOut) }
        if let search = filter.search { metadata["search"] = search }
        let event = env.auditEvent(
            "contacts.exported", by: principal.auditActor, in: org, resourceType: "contact", resourceID: nil,
            metadata: metadata)
        try await env.transaction(by: principal) { _ = try await $0.auditEvents.insert(event) }
        let store = env.store
        return pagedExportStream(
            format: format, columns: ExportColumn.contactColumns, chunkSize: chunkSize, boundary: event.id.retyped(),
            fetch: { cursor in
                try await store.transaction(.organization(org)) { tx in
                    try await tx.contacts.list(in: org, where: filter, page: exportPageRequest(after: cursor))
                }
            })
    }

    // MARK: Internals

    /// A chat of one instance.
    private struct ChatReference: Hashable {
        var instanceID: InstanceID
        var chatJID: JID
        init(_ message: Message) {
            instanceID = message.instanceID
            chatJID = message.chatJID
        }
    }

    /// Feeds `record` every milestone of the messages matching `filter`, then their replies.
    private func scanEvents(
        _ tx: any StoreTransaction, _ org: OrganizationID, _ filter: Message.Filter,
        _ record: (MessageEvent) -> Void
    ) async throws {
        var scan = MessageEventScan(attribution: replyAttribution)
        try await tx.messages.forEachPage(in: org, where: filter) { page in
            for message in page {
                for event in scan.add(message) { record(event) }
            }
        }
        for event in scan.replyEvents() { record(event) }
    }

    private func countSegments(
        _ tx: any StoreTransaction, _ org: OrganizationID, _ restriction: Set<InstanceID>?, _ now: Date,
        _ policy: EngagementPolicy
    ) async throws -> [EngagementSegment: Int] {
        var activities: [ContactID: ContactActivity] = [:]
        try await tx.contacts.forEachPage(in: org, where: Contact.Filter()) { page in
            for contact in page {
                activities[contact.id] = ContactActivity(
                    contactID: contact.id, optedOut: contact.optedOut,
                    lastInboundAt: restriction == nil ? contact.lastInboundAt : nil,
                    recentLimit: policy.engagedLookback)
            }
        }
        // Sent and received first, replies after: a reply marks its message among the recent outbound ones.
        try await scanEvents(tx, org, Message.Filter(instanceIDs: restriction)) { event in
            guard let contact = event.contactID else { return }
            activities[contact]?.record(event)
        }
        return policy.summary(of: activities.values, asOf: now)
    }

    private static func requireAssigned(_ instance: InstanceID, _ restriction: Set<InstanceID>?) throws(WAError) {
        if let restriction, !restriction.contains(instance) {
            throw WAError(.permissionDenied, "the instance is not assigned to you")
        }
    }

    /// The audit metadata of a message export: the format and every criterion of the filter.
    private static func metadata(_ format: ExportFormat, _ filter: Message.Filter) -> [String: String] {
        var metadata = ["format": format.rawValue]
        if let value = filter.instanceID { metadata["instance_id"] = value.description }
        if let value = filter.instanceIDs {
            metadata["instance_ids"] = value.map(\.description).sorted().joined(separator: ",")
        }
        if let value = filter.chatJID { metadata["chat_jid"] = value.description }
        if let value = filter.contactID { metadata["contact_id"] = value.description }
        if let value = filter.campaignID { metadata["campaign_id"] = value.description }
        if let value = filter.direction { metadata["direction"] = value.rawValue }
        if let value = filter.status { metadata["status"] = value.rawValue }
        if let value = filter.since { metadata["since"] = ExportValue.iso8601(value) }
        if let value = filter.until { metadata["until"] = ExportValue.iso8601(value) }
        return metadata
    }
}
