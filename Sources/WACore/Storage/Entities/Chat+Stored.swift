extension Chat: StoredEntity {
    public static var entityName: String { "chat" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("jid", "\(instanceID)/\(jid)")] }

    /// Criteria for listing chats.
    public struct Filter: EntityFilter {
        public var instanceID: InstanceID?
        public var isArchived: Bool?

        public init() {}
        public init(instanceID: InstanceID? = nil, isArchived: Bool? = nil) {
            self.instanceID = instanceID
            self.isArchived = isArchived
        }

        public func matches(_ c: Chat) -> Bool {
            (instanceID.map { c.instanceID == $0 } ?? true) && (isArchived.map { c.isArchived == $0 } ?? true)
        }
    }
}
