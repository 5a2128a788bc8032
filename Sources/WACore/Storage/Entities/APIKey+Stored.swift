extension APIKey: StoredEntity {
    public static var entityName: String { "api_key" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("lookup_id", lookupID, global: true)] }

    /// Criteria for listing API keys.
    public struct Filter: EntityFilter {
        public var createdBy: MemberID?
        /// Only keys that have not been revoked.
        public var excludeRevoked: Bool
        /// Only the key that `replacedBy` replaced (``APIKey/replacedBy``): how revoking a replacement finds the
        /// key whose overlap it ends.
        public var replacedBy: APIKeyID?

        public init() { excludeRevoked = false }
        public init(createdBy: MemberID? = nil, excludeRevoked: Bool = false, replacedBy: APIKeyID? = nil) {
            self.createdBy = createdBy
            self.excludeRevoked = excludeRevoked
            self.replacedBy = replacedBy
        }

        public func matches(_ k: APIKey) -> Bool {
            (createdBy.map { k.createdBy == $0 } ?? true) && (!excludeRevoked || k.revokedAt == nil)
                && (replacedBy.map { k.replacedBy == $0 } ?? true)
        }
    }
}
