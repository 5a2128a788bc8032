extension RiskAlert: StoredEntity {
    public static var entityName: String { "risk_alert" }

    /// Criteria for listing risk alerts.
    public struct Filter: EntityFilter {
        public var instanceID: InstanceID?
        /// Only these instances (an agent's assignments).
        public var instanceIDs: Set<InstanceID>?
        /// Only alerts nobody acknowledged yet.
        public var unacknowledgedOnly: Bool

        public init() { unacknowledgedOnly = false }
        public init(instanceID: InstanceID? = nil, instanceIDs: Set<InstanceID>? = nil, unacknowledgedOnly: Bool = false) {
            self.instanceID = instanceID
            self.instanceIDs = instanceIDs
            self.unacknowledgedOnly = unacknowledgedOnly
        }

        public func matches(_ a: RiskAlert) -> Bool {
            (instanceID.map { a.instanceID == $0 } ?? true) && (instanceIDs.map { $0.contains(a.instanceID) } ?? true)
                && (!unacknowledgedOnly || a.acknowledgedAt == nil)
        }
    }
}
