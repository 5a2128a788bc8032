extension APIKey: StoredEntity {
    public static var entityName: String { "api_key" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("lookup_id", lookupID, global: true)] }

    /// Criteria for listing API keys.
    public struct Filter: EntityFilter {
        public var createdBy: MemberID?
        /// Only keys that have not been revoked.
        public var excludeRevoked: Bool

        public init() { excludeRevoked = false }
        public init(createdBy: MemberID? = nil, excludeRevoked: Bool = false) {
            self.createdBy = createdBy
            self.excludeRevoked = excludeRevoked
        }

        public func matches(_ k: APIKey) -> Bool {
            (createdBy.map { k.createdBy == $0 } ?? true) && (!excludeRevoked || k.revokedAt == nil)
        }
    }
}
