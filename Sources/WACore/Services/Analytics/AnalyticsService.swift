public import Foundation

/// Analytics over the stored messages and contacts: the dashboard, per-day metrics, campaign reports, engagement
/// segment counts, and streamed exports of messages and contacts.
///
/// The dashboard and daily metrics read the message rollups (``MessageRollupRepository``) and segment counts the
/// contacts' stored activity (``ContactActivityRepository``), both kept by the store as messages change, so their
/// cost does not grow with the number of messages. Latency percentiles from rollups are within 1 % of the exact
/// value (``RollupFigures``). A campaign report pages through the campaign's own messages. Replies are the ones
/// the ``MessageEventHandler`` marked when they arrived (``ReplyAttribution``). `Docs/Analytics.md` explains every
/// figure.
///
/// Access:
/// - `analytics:read` (viewer and up) for every figure; `data:export` (manager and up) for exports.
/// - Agents see message figures of their assigned instances only: every message query is narrowed to
///   ``AccessPolicy/instanceRestriction(for:)``, naming an unassigned instance (or a campaign on one) is
///   `permission_denied`, and instance counts cover their instances. Segment counts are about contacts, which are
///   organization-wide records: agents get the organization's counts.
/// - Records of another organization are `not_found`.
///
/// Every export writes an audit event (`messages.exported`, `contacts.exported`) naming the actor, the format and
/// the filter before the first byte is produced.
public struct AnalyticsService: Sendable {
    private let env: ServiceEnvironment
    /// The latency distributions' configuration in campaign reports (exact up to 1,000 values, then a 1 % sketch).
    public let latencyConfiguration: LatencyDistribution.Configuration

    /// The most days ``dailyMetrics(from:to:instance:campaign:timeZone:by:)`` returns at once.
    public static let maximumDailyMetricsDays = 366
    /// Instance statuses counted as connected on the dashboard.
    public static let connectedStatuses: [InstanceStatus] = [.authenticated, .ready]

    /// A service over `environment`'s store.
    ///
    /// Uses the environment's store, clock, identifier generator and access policy.
    public init(
        environment: ServiceEnvironment,
        latencyConfiguration: LatencyDistribution.Configuration = LatencyDistribution.Configuration()
    ) {
        env = environment
        self.latencyConfiguration = latencyConfiguration
    }

    // MARK: Figures

    /// The organization's dashboard at `asOf` (default: now) in `timeZone`.
    ///
    /// Reads the message rollups of the 30 days (``MessageRollupRepository``, kept as messages change: a few
    /// rows per day and campaign, whatever the number of messages). `asOf` chooses which day is "today"; the
    /// figures are those of the messages as stored now. Active instances are those ``connectedStatuses``. Top
    /// campaigns carry their names. With `segments`, the dashboard also holds the contacts per primary engagement
    /// segment (``segmentCounts(asOf:policy:by:)``).
    public func dashboard(
        asOf: Date? = nil, timeZone: TimeZone = .gmt, topCampaignLimit: Int = 5, segments: EngagementPolicy? = nil,
        by principal: Principal
    ) async throws -> OrganizationDashboard {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let restriction = env.policy.instanceRestriction(for: principal)
        let now = asOf ?? env.clock.now()
        let today = DayKey(now, in: timeZone)
        return try await env.transaction(by: principal) { tx in
            let rollups = try await tx.rollups.dailyRollups(
                in: org, days: today.advanced(by: -29)...today, timeZone: timeZone, dimensions: .campaign,
                instanceIDs: restriction)
            let total = try await tx.instances.count(in: org, where: Instance.Filter(ids: restriction))
            var active = 0
            for status in Self.connectedStatuses {
                active += try await tx.instances.count(in: org, where: Instance.Filter(status: status, ids: restriction))
            }
            var segmentCounts: [EngagementSegment: Int]?
            if let segments {
                segmentCounts = try await countSegments(tx, org, now, segments)
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
    /// Read from the message rollups (``MessageRollupRepository``). Outbound figures count on the day of sending
    /// (a receipt or a reply arriving days later still counts for it), inbound messages on the day they arrived.
    /// With `campaign`, only the campaign's outbound milestones count (inbound messages belong to no campaign, so
    /// `received` is 0). At most ``maximumDailyMetricsDays`` days.
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
        return try await env.transaction(by: principal) { tx in
            if let instance { _ = try await tx.instances.get(instance, in: org) }
            if let campaign { _ = try await tx.campaigns.get(campaign, in: org) }
            let rollups = try await tx.rollups.dailyRollups(
                in: org, days: first...last, timeZone: timeZone, instanceIDs: instance.map { [$0] } ?? restriction,
                campaignID: campaign)
            return (first...last).map { day in
                DailyMetric(
                    day: day,
                    stats: rollups.rows[RollupKey(organizationID: org, day: day)]
                        ?? MessageStats(configuration: RollupFigures.latencyConfiguration))
            }
        }
    }

    /// The report of one campaign: funnel, counts, rates and latency percentiles of its messages.
    ///
    /// Counts every outbound message carrying the campaign's id, one page at a time, with every milestone it
    /// reached (``MessageEvent/events(for:)``), replies included: an outbound message is marked replied when the
    /// first inbound message that answers it arrives (``ReplyAttribution``, applied by the ``MessageEventHandler``).
    /// Agents get the report only for campaigns on their instances.
    public func campaignReport(_ id: CampaignID, by principal: Principal) async throws -> CampaignAnalyticsReport {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let restriction = env.policy.instanceRestriction(for: principal)
        return try await env.transaction(by: principal) { tx in
            let campaign = try await tx.campaigns.get(id, in: org)
            try Self.requireAssigned(campaign.instanceID, restriction)
            var stats = MessageStats(configuration: latencyConfiguration)
            var timeToReply = LatencyDistribution(configuration: latencyConfiguration)
            var messages = 0
            var inFlight = 0
            var firstSent: Date?
            var lastSent: Date?
            let own = Message.Filter(instanceIDs: restriction, campaignID: id, direction: .outbound)
            try await tx.messages.forEachPage(in: org, where: own) { page in
                for message in page {
                    messages += 1
                    for event in MessageEvent.events(for: message) {
                        stats.record(event)
                        if event.milestone == .replied, let latency = event.latencySeconds { timeToReply.add(latency) }
                    }
                    if let sentAt = message.timestamps.sentAt {
                        firstSent = min(firstSent ?? sentAt, sentAt)
                        lastSent = max(lastSent ?? sentAt, sentAt)
                    } else if message.timestamps.failedAt == nil {
                        inFlight += 1
                    }
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
    /// One aggregate query over the contacts and their stored activity (``ContactActivityRepository``, kept as
    /// messages change). Contacts are organization-wide records, so agents get the organization's counts too.
    public func segmentCounts(
        asOf: Date? = nil, policy: EngagementPolicy = EngagementPolicy(), by principal: Principal
    ) async throws -> [EngagementSegment: Int] {
        let org = principal.organizationID
        try env.policy.require(principal, .analyticsRead, on: .organization(org))
        let now = asOf ?? env.clock.now()
        return try await env.transaction(by: principal) { tx in
            try await countSegments(tx, org, now, policy)
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

    private func countSegments(
        _ tx: any StoreTransaction, _ org: OrganizationID, _ now: Date, _ policy: EngagementPolicy
    ) async throws -> [EngagementSegment: Int] {
        try await tx.contactActivities.segmentCounts(in: org, policy: policy, asOf: now)
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
