extension WebhookEndpoint: StoredEntity {
    public static var entityName: String { "webhook_endpoint" }

    /// Criteria for listing webhook endpoints.
    public struct Filter: EntityFilter {
        public var isEnabled: Bool?

        public init() {}
        public init(isEnabled: Bool?) { self.isEnabled = isEnabled }

        public func matches(_ e: WebhookEndpoint) -> Bool { isEnabled.map { e.isEnabled == $0 } ?? true }
    }
}
