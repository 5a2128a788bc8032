extension Chat: StoredEntity {
    public static var entityName: String { "chat" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("jid", "\(instanceID)/\(jid)")] }

    /// Criteria for listing chats.
    public struct Filter: EntityFilter {
        public var instanceID: InstanceID?
        public var isArchived: Bool?
        /// Only the chats with this contact.
        public var contactID: ContactID?

        public init() {}
        public init(instanceID: InstanceID? = nil, isArchived: Bool? = nil, contactID: ContactID? = nil) {
            self.instanceID = instanceID
            self.isArchived = isArchived
            self.contactID = contactID
        }

        public func matches(_ c: Chat) -> Bool {
            (instanceID.map { c.instanceID == $0 } ?? true) && (isArchived.map { c.isArchived == $0 } ?? true)
                && (contactID.map { c.contactID == $0 } ?? true)
        }
    }
}
