extension Delivery: StoredEntity {
    public static var entityName: String { "delivery" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("event_id", "\(endpointID)/\(eventID)")] }

    /// Criteria for listing deliveries.
    public struct Filter: EntityFilter {
        public var endpointID: WebhookEndpointID?
        public var status: Delivery.Status?

        public init() {}
        public init(endpointID: WebhookEndpointID? = nil, status: Delivery.Status? = nil) {
            self.endpointID = endpointID
            self.status = status
        }

        public func matches(_ d: Delivery) -> Bool {
            (endpointID.map { d.endpointID == $0 } ?? true) && (status.map { d.status == $0 } ?? true)
        }
    }
}
