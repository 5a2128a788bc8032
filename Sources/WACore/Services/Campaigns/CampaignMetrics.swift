import Foundation

/// Counting a campaign's progress from what is stored: the recipient total fixed at start, the campaign's
/// ``Campaign/RecipientTally`` (what its waves did), whether any wave is unfinished, and the campaign's messages (by
/// status). No wave job's payload is read: finished jobs may be pruned.
enum CampaignMetrics {
    /// What a count found.
    struct Measurement {
        var progress: Campaign.Progress
        /// Messages created for the campaign (any status).
        var created: Int
        /// Recipients that failed before a message existed (the template could not be rendered, the content was
        /// refused).
        var recipientFailures: Int
        /// Whether every wave job is final (completed, failed or cancelled).
        var wavesFinished: Bool
        /// Queued or pending messages.
        var inFlight: Int { progress.queued }
        /// Recipients neither messaged, skipped nor failed.
        var unreached: Int { max(0, progress.total - progress.skipped - recipientFailures - created) }
    }

    /// Every record matching `filter`, page by page (``Repository/forEachPage(in:where:_:)``).
    static func all<R: Repository>(_ repository: R, in org: OrganizationID, where filter: R.Entity.Filter)
        async throws -> [R.Entity]
    {
        var items: [R.Entity] = []
        try await repository.forEachPage(in: org, where: filter) { items += $0 }
        return items
    }

    /// The filter of the campaign's `campaign.wave` jobs (their unique keys are `"<campaign>/<batch>"`).
    static func waves(of campaign: CampaignID, state: Job.State? = nil, isFinished: Bool? = nil) -> Job.Filter {
        Job.Filter(queue: CampaignService.waveQueue, state: state, uniqueKeyPrefix: "\(campaign)/", isFinished: isFinished)
    }

    /// The campaign's counters now. `replied` is carried over from the stored progress (replies are attributed
    /// only by ``report(of:in:now:)``).
    static func measure(_ campaign: Campaign, _ tx: any StoreTransaction) async throws -> Measurement {
        let org = campaign.organizationID
        var byStatus: [MessageStatus: Int] = [:]
        for status in MessageStatus.allCases {
            byStatus[status] = try await tx.messages.count(
                in: org, where: Message.Filter(campaignID: campaign.id, status: status))
        }
        let openWaves = try await tx.jobs.count(in: org, where: waves(of: campaign.id, isFinished: false))
        let listed = campaign.recipients.listed
        let waveSkipped = campaign.recipients.skipped
        let waveFailed = campaign.recipients.failed
        func count(_ statuses: MessageStatus...) -> Int { statuses.reduce(0) { $0 + (byStatus[$1] ?? 0) } }
        let total = campaign.progress.total
        let progress = Campaign.Progress(
            total: total, queued: count(.queued, .pending), sent: count(.sent, .delivered, .read, .played),
            delivered: count(.delivered, .read, .played), read: count(.read, .played),
            replied: campaign.progress.replied, failed: count(.failed) + waveFailed,
            skipped: max(0, total - listed) + waveSkipped)
        return Measurement(
            progress: progress, created: byStatus.values.reduce(0, +), recipientFailures: waveFailed,
            wavesFinished: openWaves == 0)
    }

    /// The full report: ``measure(_:_:)`` plus replies (campaign messages the ``MessageEventHandler`` marked
    /// replied when an inbound message answered them, ``ReplyAttribution``) and the first and last send times,
    /// from one pass over the campaign's messages, a page at a time.
    static func report(of campaign: Campaign, in tx: any StoreTransaction, now: Date) async throws -> CampaignReport {
        let org = campaign.organizationID
        var measurement = try await measure(campaign, tx)
        var replied = 0
        var firstSent: Date?
        var lastSent: Date?
        try await tx.messages.forEachPage(in: org, where: Message.Filter(campaignID: campaign.id)) { page in
            for message in page {
                guard let sentAt = message.timestamps.sentAt else { continue }
                firstSent = min(firstSent ?? sentAt, sentAt)
                lastSent = max(lastSent ?? sentAt, sentAt)
                if message.timestamps.repliedAt != nil { replied += 1 }
            }
        }
        measurement.progress.replied = replied
        return CampaignReport(
            campaignID: campaign.id, name: campaign.name, instanceID: campaign.instanceID, status: campaign.status,
            progress: measurement.progress, unreached: measurement.unreached, firstSentAt: firstSent,
            lastSentAt: lastSent, generatedAt: now)
    }
}
