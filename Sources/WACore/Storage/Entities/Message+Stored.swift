public import Foundation

extension Message: StoredEntity {
    public static var entityName: String { "message" }
    public var uniqueKeys: [UniqueKey] {
        var keys: [UniqueKey] = []
        // Per instance: a key says nothing about sends from instances the caller cannot see.
        if let idempotencyKey { keys.append(UniqueKey("idempotency_key", "\(instanceID)/\(idempotencyKey)")) }
        if let whatsappID { keys.append(UniqueKey("whatsapp_id", "\(instanceID)/\(whatsappID)")) }
        return keys
    }

    /// Criteria for listing and searching messages.
    public struct Filter: EntityFilter {
        public var instanceID: InstanceID?
        /// Only these instances (an agent's assignments).
        public var instanceIDs: Set<InstanceID>?
        public var chatJID: JID?
        public var contactID: ContactID?
        public var campaignID: CampaignID?
        public var direction: Message.Direction?
        public var status: MessageStatus?
        /// Created at or after.
        public var since: Date?
        /// Created before.
        public var until: Date?
        /// Text the body (or caption) contains, in any case (compared lower-cased, as contact search does).
        public var search: String?

        public init() {}
        public init(
            instanceID: InstanceID? = nil, instanceIDs: Set<InstanceID>? = nil, chatJID: JID? = nil,
            contactID: ContactID? = nil, campaignID: CampaignID? = nil, direction: Message.Direction? = nil,
            status: MessageStatus? = nil, since: Date? = nil, until: Date? = nil, search: String? = nil
        ) {
            self.instanceID = instanceID
            self.instanceIDs = instanceIDs
            self.chatJID = chatJID
            self.contactID = contactID
            self.campaignID = campaignID
            self.direction = direction
            self.status = status
            self.since = since
            self.until = until
            self.search = search
        }

        public func matches(_ m: Message) -> Bool {
            (instanceID.map { m.instanceID == $0 } ?? true) && (instanceIDs.map { $0.contains(m.instanceID) } ?? true)
                && (chatJID.map { m.chatJID == $0 } ?? true) && (contactID.map { m.contactID == $0 } ?? true)
                && (campaignID.map { m.campaignID == $0 } ?? true) && (direction.map { m.direction == $0 } ?? true)
                && (status.map { m.status == $0 } ?? true) && (since.map { m.createdAt >= $0 } ?? true)
                && (until.map { m.createdAt < $0 } ?? true) && matchesSearch(m)
        }

        private func matchesSearch(_ m: Message) -> Bool {
            guard let search, !search.isEmpty else { return true }
            return m.body?.lowercased().contains(search.lowercased()) ?? false
        }
    }
}
