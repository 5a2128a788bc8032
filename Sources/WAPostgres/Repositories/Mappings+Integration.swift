import WACore

/// `webhook_endpoints`.
enum WebhookEndpointMapping: PostgresEntityMapping {
    typealias Entity = WebhookEndpoint
    static let table = "webhook_endpoints"
    static func columns(of e: WebhookEndpoint) -> [(name: String, value: SQLValue)] {
        [("is_enabled", .boolean(e.isEnabled)), ("consecutive_failures", .integer(e.consecutiveFailures))]
    }
    static func conditions(_ filter: WebhookEndpoint.Filter, into sql: inout SQLBuilder) {
        if let isEnabled = filter.isEnabled { sql.whereEqual("is_enabled", .boolean(isEnabled)) }
    }
}

/// `deliveries`: unique per endpoint and event.
enum DeliveryMapping: PostgresEntityMapping {
    typealias Entity = Delivery
    static let table = "deliveries"
    static func columns(of d: Delivery) -> [(name: String, value: SQLValue)] {
        [("endpoint_id", .id(d.endpointID)), ("event_id", .text(d.eventID)), ("status", .text(d.status.rawValue))]
    }
    static func conditions(_ filter: Delivery.Filter, into sql: inout SQLBuilder) {
        if let endpoint = filter.endpointID { sql.whereEqual("endpoint_id", .id(endpoint)) }
        if let status = filter.status { sql.whereEqual("status", .text(status.rawValue)) }
    }
    static func uniqueColumns(of key: String) -> [String] { key == "event_id" ? ["endpoint_id", "event_id"] : [] }
}

/// `audit_events`: append-only (the table's trigger refuses updates and deletes, the repository refuses them first).
enum AuditEventMapping: PostgresEntityMapping {
    typealias Entity = AuditEvent
    static let table = "audit_events"
    static func columns(of e: AuditEvent) -> [(name: String, value: SQLValue)] {
        actorColumns(e.actor) + [
            ("action", .text(e.action)), ("resource_id", .text(e.resourceID)), ("occurred_at", .date(e.occurredAt)),
        ]
    }
    static func conditions(_ filter: AuditEvent.Filter, into sql: inout SQLBuilder) {
        if let action = filter.action {
            if action.hasSuffix(".") {
                // A prefix, compared exactly (no LIKE: `_` and `%` in an action are plain characters).
                sql.append(" AND starts_with(action, ")
                sql.append(bound: .text(action))
                sql.append(")")
            } else {
                sql.whereEqual("action", .text(action))
            }
        }
        if let actor = filter.actor {
            for column in actorColumns(actor) { sql.whereEqual(column.name, column.value) }
        }
        if let resource = filter.resourceID { sql.whereEqual("resource_id", .text(resource)) }
        if let since = filter.since {
            sql.append(" AND occurred_at >= ")
            sql.append(bound: .date(since))
        }
        if let until = filter.until {
            sql.append(" AND occurred_at < ")
            sql.append(bound: .date(until))
        }
    }

    private static func actorColumns(_ actor: AuditEvent.Actor) -> [(name: String, value: SQLValue)] {
        switch actor {
        case .member(let member):
            [("actor_type", .text("member")), ("actor_member_id", .id(member)), ("actor_api_key_id", .uuid(nil))]
        case .apiKey(let key, let member):
            [("actor_type", .text("api_key")), ("actor_member_id", .id(member)), ("actor_api_key_id", .id(key))]
        case .system:
            [("actor_type", .text("system")), ("actor_member_id", .uuid(nil)), ("actor_api_key_id", .uuid(nil))]
        }
    }
}

/// `media_objects`: the metadata; the bytes are the media store's.
enum MediaObjectMapping: PostgresEntityMapping {
    typealias Entity = MediaObject
    static let table = "media_objects"
    static func columns(of m: MediaObject) -> [(name: String, value: SQLValue)] {
        [("byte_count", .integer(Int(m.byteCount))), ("created_at", .date(m.createdAt))]
    }
    static func conditions(_ filter: MediaObject.Filter, into sql: inout SQLBuilder) {
        if let before = filter.createdBefore {
            sql.append(" AND created_at < ")
            sql.append(bound: .date(before))
        }
    }
}
