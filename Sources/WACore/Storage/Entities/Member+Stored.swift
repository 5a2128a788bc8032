extension Member: StoredEntity {
    public static var entityName: String { "member" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("email", email)] }

    /// Criteria for listing members.
    public struct Filter: EntityFilter {
        public var role: Role?
        public var isActive: Bool?
        /// Members assigned to this instance.
        public var assignedTo: InstanceID?

        public init() {}
        public init(role: Role? = nil, isActive: Bool? = nil, assignedTo: InstanceID? = nil) {
            self.role = role
            self.isActive = isActive
            self.assignedTo = assignedTo
        }

        public func matches(_ m: Member) -> Bool {
            (role.map { m.role == $0 } ?? true) && (isActive.map { m.isActive == $0 } ?? true)
                && (assignedTo.map { m.assignedInstances.contains($0) } ?? true)
        }
    }
}
