public import WACore
import Synchronization

/// A ``SessionDirectory`` whose sessions a test registers by hand (instead of running the instance supervisor).
public final class TestSessionDirectory: SessionDirectory {
    private let sessions = Mutex<[InstanceID: any WhatsAppSession]>([:])

    public init() {}

    /// Makes `session` the ready session of `instance` (nil removes it).
    public func set(_ session: (any WhatsAppSession)?, for instance: InstanceID) {
        sessions.withLock { $0[instance] = session }
    }

    public func readySession(for instance: InstanceID) async -> (any WhatsAppSession)? {
        sessions.withLock { $0[instance] }
    }
}

/// A ``WebhookPublisher`` that records every event it is given and appends it to the event log, as
/// `WebhookService` does, but schedules no fan-out (so no delivery is ever created).
public final class RecordingWebhookPublisher: WebhookPublisher {
    private let recorded = Mutex<[WebhookEvent]>([])

    public init() {}

    public var events: [WebhookEvent] { recorded.withLock { $0 } }

    public func publish(_ event: WebhookEvent, in transaction: any StoreTransaction) async throws -> LoggedEvent {
        let logged = try await transaction.eventLog.append(event)
        recorded.withLock { $0.append(event) }
        return logged
    }
}
