extension Chat: StoredEntity {
    public static var entityName: String { "chat" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("jid", "\(instanceID)/\(jid)")] }

    /// Criteria for listing chats.
    public struct Filter: EntityFilter {
        public var instanceID: InstanceID?
        /// Only chats of these instances (an agent's assignments); `nil` for every instance.
        public var instanceIDs: Set<InstanceID>?
        public var isArchived: Bool?
        /// Only the chats with this contact.
        public var contactID: ContactID?

        public init() {}
        public init(
            instanceID: InstanceID? = nil, instanceIDs: Set<InstanceID>? = nil, isArchived: Bool? = nil,
            contactID: ContactID? = nil
        ) {
            self.instanceID = instanceID
            self.instanceIDs = instanceIDs
            self.isArchived = isArchived
            self.contactID = contactID
        }

        public func matches(_ c: Chat) -> Bool {
            (instanceID.map { c.instanceID == $0 } ?? true) && (instanceIDs.map { $0.contains(c.instanceID) } ?? true)
                && (isArchived.map { c.isArchived == $0 } ?? true)
                && (contactID.map { c.contactID == $0 } ?? true)
        }
    }
}
