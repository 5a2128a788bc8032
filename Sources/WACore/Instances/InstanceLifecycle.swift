/// The life of an instance as a state machine (DESIGN.md §2): the supervisor reports what happened, the machine
/// moves the instance's ``status`` and ``desiredState`` and answers with the ``Action`` the supervisor performs.
///
/// The machine's state is exactly what an ``Instance`` stores: its ``Instance/status`` and
/// ``Instance/desiredState`` are read-only views of ``Instance/lifecycle``, and the only way to change them is to
/// feed the machine an event. Storage adapters rebuild it with ``init(status:desiredState:)``.
///
/// ```swift
/// var instance = try await tx.instances.get(id, in: organization)
/// switch instance.lifecycle.authenticated() {
/// case .clearLinkCode: …                 // write the instance, forget the QR code
/// case .reloaded: …                      // a page reload while linked: nothing to write or announce
/// case .reject(let invalid): log(invalid) // the session reported something impossible now
/// default: …
/// }
/// ```
///
/// **Page reloads.** WhatsApp Web reports `authenticated` and `ready` again when its page reloads. While the
/// instance is `ready`, a repeated `authenticated` is ``Action/reloaded`` and a repeated `ready` is
/// ``Action/refreshArchive``: the status does not flip and nothing is announced twice.
///
/// **Risk pauses are not lifecycle events.** A pause ordered by the risk monitor keeps the session connected (an
/// account that drops offline whenever it is paused looks less human, not more) and holds only its sends; it
/// lives in ``Instance/risk`` (``RiskState/pausedUntil``), which the dispatcher reads. The status stays `ready`.
///
/// Events that are impossible in the current state (a QR code for a linked session, a disconnect of an instance
/// that does not run) change nothing and return ``Action/reject(_:)``; the supervisor logs them and ignores the
/// event, never treating them as "nothing to do".
public struct InstanceLifecycle: Sendable, Hashable {
    /// Where the instance is in its life.
    public private(set) var status: InstanceStatus
    /// Whether a supervisor should run the instance.
    public private(set) var desiredState: InstanceDesiredState

    /// A lifecycle as stored (a new instance by default: `created`, not to be run).
    public init(status: InstanceStatus = .created, desiredState: InstanceDesiredState = .stopped) {
        self.status = status
        self.desiredState = desiredState
    }

    /// What the supervisor must do after an event.
    public enum Action: Sendable, Hashable {
        /// Take the lease, write `starting` and open a session (restored from the archive, or linking anew).
        case openSession
        /// The session could not start: the previous state is back; release the lease.
        case releaseLease
        /// Keep the new QR or pairing code, write the status and announce the code (`instance.qr`).
        case announceLinkCode
        /// The phone accepted the link: forget the link code and write `authenticated`.
        case clearLinkCode
        /// Linked and synced: store the account and the sealed archive, serve the session, announce
        /// `instance.ready`.
        case recordReady
        /// A repeated `ready` while ready (a page reload): re-seal the archive if it changed; no status change and
        /// no announcement.
        case refreshArchive
        /// A repeated `authenticated` (a page reload, or the phone confirming twice): nothing to write or announce.
        case reloaded
        /// A transient loss: write `reconnecting`, announce `instance.disconnected`, reconnect after the backoff.
        case reconnect
        /// A terminal loss: write the final status and `stopped` as the desired state, release the lease, raise a
        /// risk alert when `raiseAlert`, clear the archive and prepare a new pairing when `unlinked`.
        case terminate(unlinked: Bool, raiseAlert: Bool)
        /// Stop this node's session and write `stopped` (the link and the archive are kept).
        case stopSession
        /// The instance runs nowhere: write `stopped` (for a status left behind by a node that died) or only the
        /// desired state.
        case recordStopped
        /// Another node runs the instance: write only the desired state; the owner stops it at its next lease
        /// renewal.
        case leaveToOwner
        /// Nothing runs and nothing should: no write is needed.
        case alreadyStopped
        /// Log the session out (when linked), clear the archive, prepare the next pairing and write `logged_out`.
        case unlink
        /// The lease is gone: stop at once and write nothing (the new owner writes from now on).
        case abandon
        /// The event does not fit the current state; nothing changed.
        case reject(InvalidEvent)
    }

    /// An event the machine refused, with the state it met.
    public struct InvalidEvent: Error, Sendable, Hashable, CustomStringConvertible {
        /// The event (`qrCode`, `authenticated`, `disconnected(banned)` …).
        public var event: String
        /// The status it met.
        public var status: InstanceStatus

        public init(event: String, status: InstanceStatus) {
            self.event = event
            self.status = status
        }

        public var description: String { "\(event) is not possible while the instance is \(status.rawValue)" }
    }

    /// Where the instance runs when someone asks to stop it.
    public enum Placement: Sendable, Hashable {
        /// On this node (the caller's supervisor holds the lease).
        case here
        /// On another node, which holds a valid lease.
        case elsewhere
        /// Nowhere: no valid lease (or only a stale one of this node from before a restart).
        case nowhere
    }

    /// Statuses in which some node is running (or should be running) a session.
    public static let activeStatuses: Set<InstanceStatus> = [
        .starting, .awaitingQR, .awaitingPairingCode, .authenticated, .ready, .reconnecting,
    ]

    /// Whether some node is running (or should be running) a session for the instance.
    public var isActive: Bool { Self.activeStatuses.contains(status) }

    // MARK: Events

    /// A supervisor took the lease and starts the instance. Possible in every state: from a rest state it is a
    /// start, from an active one it resumes an instance whose node died (the status it left behind is stale).
    public mutating func startRequested() -> Action {
        status = .starting
        desiredState = .running
        return .openSession
    }

    /// The session could not be started: the state before ``startRequested()`` comes back.
    public mutating func startFailed(restoring previous: InstanceLifecycle) -> Action {
        guard status == .starting else { return reject("startFailed") }
        self = previous
        return .releaseLease
    }

    /// The session shows a new QR code (`pairing: false`) or pairing code (`pairing: true`).
    public mutating func linkCodeIssued(pairing: Bool) -> Action {
        switch status {
        case .starting, .awaitingQR, .awaitingPairingCode, .authenticated, .reconnecting:
            // From authenticated: the phone scanned but the link failed ("couldn't link device"), and WhatsApp
            // Web shows a new code. From reconnecting: the archive no longer restores the link.
            status = pairing ? .awaitingPairingCode : .awaitingQR
            return .announceLinkCode
        case .created, .ready, .stopped, .loggedOut, .failed:
            return reject(pairing ? "pairingCode" : "qrCode")
        }
    }

    /// The phone accepted the link (or a restored session authenticated).
    public mutating func authenticated() -> Action {
        switch status {
        case .starting, .awaitingQR, .awaitingPairingCode, .reconnecting:
            status = .authenticated
            return .clearLinkCode
        case .authenticated, .ready:
            return .reloaded
        case .created, .stopped, .loggedOut, .failed:
            return reject("authenticated")
        }
    }

    /// The session is linked and synced.
    public mutating func ready() -> Action {
        switch status {
        case .starting, .awaitingQR, .awaitingPairingCode, .authenticated, .reconnecting:
            status = .ready
            return .recordReady
        case .ready:
            return .refreshArchive
        case .created, .stopped, .loggedOut, .failed:
            return reject("ready")
        }
    }

    /// The session lost its connection for `reason` (a session whose events ended without a disconnect reports
    /// ``DisconnectReason/connectionLost``).
    public mutating func disconnected(_ reason: DisconnectReason) -> Action {
        guard isActive else { return reject("disconnected(\(reason.code))") }
        guard reason.kind == .terminal else {
            status = .reconnecting
            return .reconnect
        }
        let unlinked = [DisconnectReason.loggedOut.code, DisconnectReason.authFailure.code].contains(reason.code)
        let linkTimedOut = reason.code == DisconnectReason.linkTimeout.code
        status = unlinked || linkTimedOut ? .loggedOut : .failed
        desiredState = .stopped
        // Nobody scanning in time is not a sign of risk; every other terminal reason is.
        return .terminate(unlinked: unlinked, raiseAlert: !linkTimedOut)
    }

    /// Someone asked to stop the instance, which runs at `placement`.
    public mutating func stopRequested(placement: Placement) -> Action {
        let wanted = desiredState == .running
        desiredState = .stopped
        switch placement {
        case .here:
            status = .stopped
            return .stopSession
        case .elsewhere:
            return wanted ? .leaveToOwner : .alreadyStopped
        case .nowhere:
            guard isActive || wanted else { return .alreadyStopped }
            if isActive { status = .stopped }
            return .recordStopped
        }
    }

    /// Someone asked to unlink the instance from WhatsApp. Possible in every state: an instance that never
    /// linked is reset the same way.
    public mutating func logoutRequested() -> Action {
        status = .loggedOut
        desiredState = .stopped
        return .unlink
    }

    /// The supervisor's lease on the instance is gone (taken over, expired, or the instance deleted). The stored
    /// state now belongs to the new owner, so nothing changes here.
    public mutating func leaseLost() -> Action {
        guard isActive else { return reject("leaseLost") }
        return .abandon
    }

    private func reject(_ event: String) -> Action {
        .reject(InvalidEvent(event: event, status: status))
    }
}
