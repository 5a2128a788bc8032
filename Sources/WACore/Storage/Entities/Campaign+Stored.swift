extension Campaign: StoredEntity {
    public static var entityName: String { "campaign" }

    /// Criteria for listing campaigns.
    public struct Filter: EntityFilter {
        public var status: Campaign.Status?
        public var instanceID: InstanceID?

        public init() {}
        public init(status: Campaign.Status? = nil, instanceID: InstanceID? = nil) {
            self.status = status
            self.instanceID = instanceID
        }

        public func matches(_ c: Campaign) -> Bool {
            (status.map { c.status == $0 } ?? true) && (instanceID.map { c.instanceID == $0 } ?? true)
        }
    }
}
