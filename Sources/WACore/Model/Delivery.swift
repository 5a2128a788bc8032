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
    /// Where the delivery stands: the state of its ``WebhookDeliveryStateMachine``, which alone changes it.
    /// ``status`` and ``nextAttemptAt`` are derived from it.
    public var state: WebhookDeliveryStateMachine.State
    /// Every attempt ever made, replays included, oldest first.
    public var attempts: [Attempt]
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: DeliveryID, organizationID: OrganizationID, endpointID: WebhookEndpointID, eventID: String,
        eventType: String, payload: [UInt8], state: WebhookDeliveryStateMachine.State? = nil,
        attempts: [Attempt] = [], createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.payload = payload
        self.state = state ?? .scheduled(attempt: 1, at: createdAt)
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// The delivery's status, derived from ``state``.
    public var status: Status { state.status }

    /// When the next attempt is due (nil once finished), derived from ``state``.
    public var nextAttemptAt: Date? { state.nextAttemptAt }

    /// A delivery's status: what lists filter on and API clients see.
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
