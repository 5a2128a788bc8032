extension Automation: StoredEntity {
    public static var entityName: String { "automation" }

    /// Criteria for listing automations.
    public struct Filter: EntityFilter {
        /// Automations that apply to this instance (its own and the organization-wide ones).
        public var appliesTo: InstanceID?
        public var isEnabled: Bool?

        public init() {}
        public init(appliesTo: InstanceID? = nil, isEnabled: Bool? = nil) {
            self.appliesTo = appliesTo
            self.isEnabled = isEnabled
        }

        public func matches(_ a: Automation) -> Bool {
            (appliesTo.map { a.instanceID == nil || a.instanceID == $0 } ?? true)
                && (isEnabled.map { a.isEnabled == $0 } ?? true)
        }
    }
}
