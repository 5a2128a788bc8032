public import Foundation

/// Identifier of a ``Job``.
public typealias JobID = Identifier<Job>

/// A unit of durable background work: send a message, deliver a webhook, run a campaign wave.
///
/// Jobs are written in the same transaction as the business change that needs them (the transactional outbox),
/// so they exist exactly when that change committed. Workers claim due jobs with a lease; a worker that dies
/// leaves a lease that expires, and the job is claimed again with a higher ``attempt``. The attempt number is
/// the fencing token: completing or rescheduling a job requires the attempt the worker claimed, so a worker
/// whose lease was taken over cannot overwrite the new owner's outcome. Delivery is at least once; handlers must
/// be idempotent (message sends are, by their client message id).
public struct Job: Sendable, Hashable, Codable {
    public var id: JobID
    public var organizationID: OrganizationID
    /// Which worker handles it (`message.send`, `webhook.deliver`, `campaign.wave`).
    public var queue: String
    /// The handler's input, usually JSON.
    public var payload: [UInt8]
    public var state: State
    /// How many times the job has been claimed; also the fencing token of the current claim.
    public var attempt: Int
    /// How many claims ended in ``JobRepository/snooze(_:in:attempt:until:)`` (waiting for a rate limit or a
    /// session, not a failure). They do not count against ``maxAttempts``.
    public var snoozes: Int
    /// Failed claims (``attempt`` − ``snoozes``) beyond this make the job fail.
    public var maxAttempts: Int
    /// Lower runs first.
    public var priority: Int
    /// Not claimed before this instant.
    public var scheduledAt: Date
    /// A key that identifies the work; a second job with the same key is not created (see
    /// ``JobRepository/enqueue(_:)``).
    public var uniqueKey: String?
    /// Jobs with the same lane run one at a time: while one of them is running (its lease not expired), no other
    /// is claimed, whichever worker or node asks. `nil`: no such limit. Messages use their instance
    /// (``Job/instanceLane(_:)``), so an account sends one message at a time.
    public var lane: String?
    /// The worker holding the job while ``State-swift.enum/running``.
    public var lockedBy: String?
    /// The lease end while running; after it, the job may be claimed again.
    public var lockedUntil: Date?
    /// The last failure, for operators (never secrets).
    public var lastError: String?
    public var createdAt: Date
    /// When the job completed, failed or was cancelled.
    public var finishedAt: Date?
    public var version: Int

    public init(
        id: JobID, organizationID: OrganizationID, queue: String, payload: [UInt8], maxAttempts: Int = 25,
        priority: Int = 0, scheduledAt: Date, uniqueKey: String? = nil, lane: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.queue = queue
        self.payload = payload
        self.state = .available
        self.attempt = 0
        self.snoozes = 0
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.scheduledAt = scheduledAt
        self.uniqueKey = uniqueKey
        self.lane = lane
        self.createdAt = createdAt
        self.version = 0
    }

    /// Where a job is.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for ``Job/scheduledAt``, then for a worker.
        case available
        /// Claimed by a worker until ``Job/lockedUntil``.
        case running
        case completed
        /// Gave up (attempts exhausted or a permanent error).
        case failed
        case cancelled

        /// Whether the job will never run again.
        public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    /// Claims that counted as attempts (``attempt`` − ``snoozes``).
    public var failedClaims: Int { attempt - snoozes }

    /// How long to wait before trying a job again after its latest claim failed: 5 s after the first failed claim,
    /// doubling with each further one, at most 5 minutes.
    public var retryDelay: Duration { .seconds(min(300, 5 * pow(2, Double(max(0, failedClaims - 1))))) }

    /// Whether a worker may claim the job at `now`: available and due, or running with an expired lease.
    public func isClaimable(at now: Date) -> Bool {
        switch state {
        case .available: scheduledAt <= now
        case .running: (lockedUntil ?? .distantPast) <= now
        default: false
        }
    }

    /// The lane of an instance's outbound work (sends and read receipts): one at a time per WhatsApp account.
    public static func instanceLane(_ instance: InstanceID) -> String { "instance:\(instance)" }

    /// The instance of an ``instanceLane(_:)``, or `nil` for any other lane.
    public static func instance(ofLane lane: String) -> InstanceID? {
        guard lane.hasPrefix("instance:") else { return nil }
        return InstanceID(String(lane.dropFirst("instance:".count)))
    }

    /// The payload decoded from JSON.
    public func decodePayload<T: Decodable>(_ type: T.Type = T.self) throws(WAError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            throw WAError(.internalError, "job \(id) has a payload that is not a \(T.self)")
        }
    }

    /// JSON bytes for a payload.
    public static func encodePayload<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding our own Codable payload types cannot fail; an empty payload would be caught by decodePayload.
        return (try? encoder.encode(value)).map(Array.init) ?? []
    }
}
