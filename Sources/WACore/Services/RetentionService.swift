import Foundation

/// Deletes what an organization's plan no longer keeps: messages and media older than
/// ``PlanLimits/retentionDays`` (overrides included). The gateway runs it hourly (``Gateway``); it is the
/// gateway's own work, not a user's, so it needs no principal.
///
/// A message is deleted once it is final (inbound, or outbound and sent, delivered, read, played or failed): a
/// message still queued is kept whatever its age. Media goes with its metadata, its bytes and the quota it used; a
/// message that still refers to deleted media keeps its reference. Each organization's deletions are audited as one
/// `data.retention_applied` event with the counts. Deletion runs in transactions of ``batchSize`` records.
public struct RetentionService: Sendable {
    private let env: ServiceEnvironment

    /// How many records one transaction deletes.
    public static let batchSize = 200

    public init(environment: ServiceEnvironment) {
        self.env = environment
    }

    /// One pass over every organization whose plan limits retention.
    @discardableResult
    public func applyRetention() async throws -> RetentionSummary {
        let now = env.clock.now()
        var summary = RetentionSummary()
        var cursor: OrganizationID?
        while true {
            let page = try await env.store.transaction(.system) { [cursor] in
                try await $0.organizations.all(after: cursor, limit: 100)
            }
            for organization in page {
                guard let days = organization.limits.retentionDays, days >= 0 else { continue }
                let cutOff = now.addingTimeInterval(-Double(days) * 86_400)
                let (messages, media) = try await apply(cutOff: cutOff, to: organization.id)
                summary.organizations += 1
                summary.messages += messages
                summary.media += media
            }
            guard page.count == 100, let last = page.last else { return summary }
            cursor = last.id
        }
    }

    private func apply(cutOff: Date, to org: OrganizationID) async throws -> (Int, Int) {
        let scope = TransactionScope.organization(org)
        var messages = 0
        var cursor: Cursor?
        repeat {
            let request = try PageRequest(limit: Self.batchSize, cursor: cursor, order: .oldestFirst)
            let (deleted, next) = try await env.store.transaction(scope, retryingConflicts: 3) { tx in
                let page = try await tx.messages.list(in: org, where: Message.Filter(until: cutOff), page: request)
                var deleted = 0
                for message in page.items where message.direction == .inbound || ![.queued, .pending].contains(message.status) {
                    try await tx.messages.delete(message.id, in: org)
                    deleted += 1
                }
                return (deleted, page.nextCursor)
            }
            messages += deleted
            cursor = next
        } while cursor != nil

        var media = 0
        while true {
            let removed = try await env.store.transaction(scope, retryingConflicts: 3) { tx in
                let page = try await tx.mediaObjects.list(
                    in: org, where: MediaObject.Filter(createdBefore: cutOff),
                    page: try PageRequest(limit: Self.batchSize, order: .oldestFirst))
                try await MediaService.deleteRecords(page.items, in: org, tx)
                return page.items.map(\.id)
            }
            await MediaService.removeBytes(of: removed, in: org, env)
            media += removed.count
            if removed.count < Self.batchSize { break }
        }
        if messages > 0 || media > 0 {
            try await env.store.transaction(scope) { tx in
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        "data.retention_applied", by: .system, in: org, resourceType: "organization",
                        resourceID: org.description,
                        metadata: ["messages": String(messages), "media": String(media), "before": ExportValue.iso8601(cutOff)]))
            }
        }
        return (messages, media)
    }
}
