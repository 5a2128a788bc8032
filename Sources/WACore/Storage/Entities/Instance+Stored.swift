extension Instance: StoredEntity {
    public static var entityName: String { "instance" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("name", name)] }

    /// Criteria for listing instances.
    public struct Filter: EntityFilter {
        public var status: InstanceStatus?
        /// Only these instances (an agent's assignments).
        public var ids: Set<InstanceID>?
        /// Only instances with a proxy assigned (`true`) or without one (`false`).
        public var hasProxy: Bool?
        /// Only instances assigned to this proxy (``Instance/proxyID``: a fixed proxy, or the pool's choice).
        public var proxyID: ProxyServerID?

        public init() {}
        public init(
            status: InstanceStatus? = nil, ids: Set<InstanceID>? = nil, hasProxy: Bool? = nil,
            proxyID: ProxyServerID? = nil
        ) {
            self.status = status
            self.ids = ids
            self.hasProxy = hasProxy
            self.proxyID = proxyID
        }

        public func matches(_ i: Instance) -> Bool {
            (status.map { i.status == $0 } ?? true) && (ids.map { $0.contains(i.id) } ?? true)
                && (hasProxy.map { (i.proxyID != nil) == $0 } ?? true) && (proxyID.map { i.proxyID == $0 } ?? true)
        }
    }
}
