public import Foundation

/// One event on its way to one webhook endpoint, with every attempt.
///
/// The event id (`webhook-id`) is stable across attempts, so receivers can deduplicate; the pair
/// (endpoint, event id) is unique.
public struct Delivery: Sendable, Hashable, Codable {
    public var id: DeliveryID
    public var organizationID: OrganizationID
    public var endpointID: WebhookEndpointID
    /// The event's id, sent as `webhook-id`.
    public var eventID: String
    /// The event type (`message.received`).
    public var eventType: String
    /// The exact bytes that are signed and sent.
    public var payload: [UInt8]
    public var status: Status
    public var attempts: [Attempt]
    /// When the next attempt is due (nil once finished).
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: DeliveryID, organizationID: OrganizationID, endpointID: WebhookEndpointID, eventID: String,
        eventType: String, payload: [UInt8], status: Status = .pending, attempts: [Attempt] = [],
        nextAttemptAt: Date? = nil, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// A delivery's state.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for its next attempt.
        case pending
        case succeeded
        /// Attempts exhausted or a permanent failure; can be replayed by hand.
        case failed
    }

    /// One HTTP attempt.
    public struct Attempt: Sendable, Hashable, Codable {
        public var startedAt: Date
        /// The HTTP status, if a response arrived.
        public var statusCode: Int?
        /// A short, safe description of a transport failure (`timeout`, `connection refused`).
        public var error: String?
        public var durationMilliseconds: Int

        public init(startedAt: Date, statusCode: Int? = nil, error: String? = nil, durationMilliseconds: Int) {
            self.startedAt = startedAt
            self.statusCode = statusCode
            self.error = error
            self.durationMilliseconds = durationMilliseconds
        }
    }
}
