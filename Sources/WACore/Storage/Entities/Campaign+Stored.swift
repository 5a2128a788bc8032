extension Campaign: StoredEntity {
    public static var entityName: String { "campaign" }

    /// Criteria for listing campaigns.
    public struct Filter: EntityFilter {
        public var status: Campaign.Status?
        public var instanceID: InstanceID?
        /// Only these instances (an agent's assignments).
        public var instanceIDs: Set<InstanceID>?

        public init() {}
        public init(status: Campaign.Status? = nil, instanceID: InstanceID? = nil, instanceIDs: Set<InstanceID>? = nil) {
            self.status = status
            self.instanceID = instanceID
            self.instanceIDs = instanceIDs
        }

        public func matches(_ c: Campaign) -> Bool {
            (status.map { c.status == $0 } ?? true) && (instanceID.map { c.instanceID == $0 } ?? true)
                && (instanceIDs.map { $0.contains(c.instanceID) } ?? true)
        }
    }
}
