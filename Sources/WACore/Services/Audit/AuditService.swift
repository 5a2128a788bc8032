import Foundation

/// The audit log: query it and export it. Both need an admin (`audit:read`, `audit:export`).
///
/// The log is append-only (``AuditEvent``): every service writes its events in the same transaction as the change
/// they record. Exporting the log is itself recorded (`audit.exported`).
public struct AuditService: Sendable {
    private let env: ServiceEnvironment

    /// A service over `environment`'s store.
    ///
    /// Uses the environment's store, clock, identifier generator and access policy.
    public init(environment: ServiceEnvironment) { env = environment }

    /// A page of the audit events matching `filter` (action or `prefix.`, actor, resource id, `since` ≤
    /// occurred < `until`), newest first by default.
    public func query(
        filter: AuditEvent.Filter = AuditEvent.Filter(), page: PageRequest = .first, by principal: Principal
    ) async throws -> Page<AuditEvent> {
        let org = principal.organizationID
        try env.policy.require(principal, .auditRead, on: .organization(org))
        try Self.validate(filter)
        return try await env.transaction(by: principal) { tx in
            try await tx.auditEvents.list(in: org, where: filter, page: page)
        }
    }

    /// Streams the audit events matching `filter` as `format`, oldest first, with the columns of
    /// ``ExportColumn/auditColumns``, in chunks of `chunkSize` bytes.
    ///
    /// Writes the `audit.exported` event (actor, format, filter) before returning. The export covers the events
    /// recorded before it started: its own event and anything later are left for the next export. The stream reads
    /// one page (500 events) at a time, each in its own short transaction, only as the consumer takes the chunks.
    public func export(
        format: ExportFormat, filter: AuditEvent.Filter = AuditEvent.Filter(), chunkSize: Int = 64 * 1024,
        by principal: Principal
    ) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        let org = principal.organizationID
        try env.policy.require(principal, .auditExport, on: .organization(org))
        try Self.validate(filter)
        var metadata = ["format": format.rawValue]
        if let value = filter.action { metadata["action"] = value }
        if let value = filter.actor { metadata["actor"] = value.exportText }
        if let value = filter.resourceID { metadata["resource_id"] = value }
        if let value = filter.since { metadata["since"] = ExportValue.iso8601(value) }
        if let value = filter.until { metadata["until"] = ExportValue.iso8601(value) }
        let event = env.auditEvent(
            "audit.exported", by: principal.auditActor, in: org, resourceType: "audit_event", resourceID: nil,
            metadata: metadata)
        try await env.transaction(by: principal) { _ = try await $0.auditEvents.insert(event) }
        let store = env.store
        return pagedExportStream(
            format: format, columns: ExportColumn.auditColumns, chunkSize: chunkSize, boundary: event.id,
            fetch: { cursor in
                try await store.transaction(.organization(org)) { tx in
                    try await tx.auditEvents.list(in: org, where: filter, page: exportPageRequest(after: cursor))
                }
            })
    }

    private static func validate(_ filter: AuditEvent.Filter) throws(WAError) {
        if let since = filter.since, let until = filter.until, since > until {
            throw WAError.invalid("until", "until must not be before since")
        }
        if let action = filter.action, action.isEmpty || action.count > 100 {
            throw WAError.invalid("action", "an action filter is 1–100 characters")
        }
    }
}
