import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.AuditEvent {
    init(_ event: WACore.AuditEvent) {
        self.init(
            id: event.id.description, action: event.action, resourceType: event.resourceType,
            resourceId: event.resourceID, actor: .init(event.actor),
            metadata: .init(additionalProperties: event.metadata), ipAddress: event.ipAddress,
            occurredAt: event.occurredAt)
    }
}

extension Components.Schemas.AuditActor {
    init(_ actor: WACore.AuditEvent.Actor) {
        switch actor {
        case .member(let member):
            self.init(kind: .member, memberId: member.description, text: actor.exportText)
        case .apiKey(let key, let member):
            self.init(kind: .apiKey, memberId: member.description, apiKeyId: key.description, text: actor.exportText)
        case .system:
            self.init(kind: .system, text: actor.exportText)
        }
    }
}

extension WACore.AuditEvent.Actor {
    /// Parses the `actor` filter: `system`, `member:{id}` or `api_key:{id}/member:{id}` (``exportText``'s forms).
    init(filter text: String, field: String) throws {
        let invalid = WAError.invalid(field, "an actor is system, member:{id} or api_key:{id}/member:{id}")
        if text == "system" {
            self = .system
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        func id<Entity>(_ part: Substring, _ prefix: String) throws -> Identifier<Entity> {
            guard part.hasPrefix(prefix) else { throw invalid }
            return try APIInput.id(String(part.dropFirst(prefix.count)), field: field)
        }
        switch parts.count {
        case 1: self = .member(try id(parts[0], "member:"))
        case 2: self = .apiKey(try id(parts[0], "api_key:"), onBehalfOf: try id(parts[1], "member:"))
        default: throw invalid
        }
    }
}

extension AuditEvent.Filter {
    /// The filter the query parameters of `GET /v1/audit-events` and `GET /v1/exports/audit` describe.
    static func api(action: String?, actor: String?, resourceID: String?, since: Date?, until: Date?) throws
        -> AuditEvent.Filter
    {
        var filter = AuditEvent.Filter()
        filter.action = action
        filter.actor = try actor.map { try AuditEvent.Actor(filter: $0, field: "actor") }
        filter.resourceID = resourceID
        filter.since = since
        filter.until = until
        return filter
    }
}
