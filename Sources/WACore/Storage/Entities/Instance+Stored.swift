extension Instance: StoredEntity {
    public static var entityName: String { "instance" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("name", name)] }

    /// Criteria for listing instances.
    public struct Filter: EntityFilter {
        public var status: InstanceStatus?
        /// Only these instances (an agent's assignments).
        public var ids: Set<InstanceID>?

        public init() {}
        public init(status: InstanceStatus? = nil, ids: Set<InstanceID>? = nil) {
            self.status = status
            self.ids = ids
        }

        public func matches(_ i: Instance) -> Bool {
            (status.map { i.status == $0 } ?? true) && (ids.map { $0.contains(i.id) } ?? true)
        }
    }
}
