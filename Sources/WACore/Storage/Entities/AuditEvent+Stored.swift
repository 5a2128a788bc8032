public import Foundation

extension AuditEvent: StoredEntity {
    public static var entityName: String { "audit_event" }
    public static var isAppendOnly: Bool { true }

    /// Criteria for querying the audit log.
    public struct Filter: EntityFilter {
        /// Actions equal to this, or starting with it when it ends in `.` (`"member."`).
        public var action: String?
        public var actor: AuditEvent.Actor?
        public var resourceID: String?
        public var since: Date?
        public var until: Date?

        public init() {}
        public init(
            action: String? = nil, actor: AuditEvent.Actor? = nil, resourceID: String? = nil, since: Date? = nil,
            until: Date? = nil
        ) {
            self.action = action
            self.actor = actor
            self.resourceID = resourceID
            self.since = since
            self.until = until
        }

        public func matches(_ e: AuditEvent) -> Bool {
            if let action {
                let ok = action.hasSuffix(".") ? e.action.hasPrefix(action) : e.action == action
                if !ok { return false }
            }
            return (actor.map { e.actor == $0 } ?? true) && (resourceID.map { e.resourceID == $0 } ?? true)
                && (since.map { e.occurredAt >= $0 } ?? true) && (until.map { e.occurredAt < $0 } ?? true)
        }
    }
}
