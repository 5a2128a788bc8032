import Foundation
import Synchronization

/// One instance a supervisor runs: its lease, its current session and what the session last reported.
///
/// The supervisor's loop task owns the session's life; ``InstanceSupervisor/stop(_:in:by:)``, logout, a lost
/// lease and shutdown end it through ``end(_:)``, which hands back everything that must be stopped or awaited.
final class SupervisedInstance: Sendable {
    /// Why the supervisor is letting the instance go.
    enum Ending: Sendable, Equatable {
        /// Stopped on request or at shutdown: stop the session, then write the final status.
        case stopping
        /// Logging out: the session logs out and ends with `logged_out`; that disconnect is expected.
        case loggingOut
        /// The lease was lost (or the instance deleted): stop at once, write nothing.
        case abandoned
    }

    struct Box: Sendable {
        var instance: Instance
        var lease: InstanceLease
        var linkMethod: SessionConfiguration.LinkMethod
        var session: (any WhatsAppSession)?
        var isReady = false
        var linkCode: LinkCode?
        /// When this runner last stored the session's archive (at `ready`, or after ``SessionEvent/archiveChanged``).
        var archiveStoredAt: Date?
        /// The session reported a change that is not stored yet (it came within the refresh interval).
        var archiveChangePending = false
        var ending: Ending?
        var loop: Task<Void, Never>?
        var renewal: Task<Void, Never>?
        var backoff: Task<Void, any Error>?
    }

    /// What ``end(_:)`` hands back to the caller to stop and await.
    struct Handles: Sendable {
        var session: (any WhatsAppSession)?
        var loop: Task<Void, Never>?
        var renewal: Task<Void, Never>?
        var backoff: Task<Void, any Error>?
    }

    let serial: Int
    let reference: InstanceReference
    /// The fencing token of the lease this runner holds; it never changes while the runner lives.
    let token: Int64
    let box: Mutex<Box>

    init(serial: Int, instance: Instance, lease: InstanceLease, linkMethod: SessionConfiguration.LinkMethod) {
        self.serial = serial
        self.reference = InstanceReference(organizationID: instance.organizationID, instanceID: instance.id)
        self.token = lease.token
        self.box = Mutex(Box(instance: instance, lease: lease, linkMethod: linkMethod))
    }

    var instance: Instance { box.withLock { $0.instance } }
    var lease: InstanceLease { box.withLock { $0.lease } }
    var ending: Ending? { box.withLock { $0.ending } }

    /// Marks the runner as ending (the first reason wins) and returns the handles to stop.
    @discardableResult
    func end(_ reason: Ending) -> Handles {
        box.withLock { b in
            if b.ending == nil { b.ending = reason }
            return Handles(session: b.session, loop: b.loop, renewal: b.renewal, backoff: b.backoff)
        }
    }

    /// Makes `session` the current one unless the runner is ending.
    func install(_ session: any WhatsAppSession) -> Bool {
        box.withLock { b in
            guard b.ending == nil else { return false }
            b.session = session
            b.isReady = false
            b.linkCode = nil
            b.archiveChangePending = false
            return true
        }
    }

    /// Registers the backoff sleep so that ending the runner can cut it short; `false` when already ending.
    func install(backoff: Task<Void, any Error>) -> Bool {
        box.withLock { b in
            guard b.ending == nil else { return false }
            b.backoff = backoff
            return true
        }
    }

    func sessionEnded() {
        box.withLock { b in
            b.session = nil
            b.isReady = false
            b.linkCode = nil
        }
    }
}
