import Testing
import WACore

/// The full transition table of ``InstanceLifecycle``: every status against every event.
@Suite("Instance lifecycle machine")
struct InstanceLifecycleMachineTests {
    typealias Lifecycle = InstanceLifecycle
    typealias Action = Lifecycle.Action

    enum Event: Sendable, Hashable, CustomStringConvertible {
        case startRequested
        case startFailed
        case qrCode
        case pairingCode
        case authenticated
        case ready
        case disconnected(DisconnectReason)
        case stopRequested(Lifecycle.Placement)
        case logoutRequested
        case leaseLost

        var description: String {
            switch self {
            case .startRequested: "startRequested"
            case .startFailed: "startFailed"
            case .qrCode: "qrCode"
            case .pairingCode: "pairingCode"
            case .authenticated: "authenticated"
            case .ready: "ready"
            case .disconnected(let reason): "disconnected(\(reason.code))"
            case .stopRequested(let placement): "stopRequested(\(placement))"
            case .logoutRequested: "logoutRequested"
            case .leaseLost: "leaseLost"
            }
        }

        /// Every event the table must cover, disconnects by the kinds of reason the machine tells apart.
        static let all: [Event] = [
            .startRequested, .startFailed, .qrCode, .pairingCode, .authenticated, .ready,
            .disconnected(.connectionLost), .disconnected(.proxyFailed), .disconnected(.loggedOut),
            .disconnected(.linkTimeout), .disconnected(.banned), .stopRequested(.here), .stopRequested(.elsewhere),
            .stopRequested(.nowhere), .logoutRequested, .leaseLost,
        ]

        /// What `startFailed` restores in the table: an instance that was stopped.
        static let beforeStart = Lifecycle(status: .stopped, desiredState: .stopped)

        func apply(to machine: inout Lifecycle) -> Action {
            switch self {
            case .startRequested: machine.startRequested()
            case .startFailed: machine.startFailed(restoring: Self.beforeStart)
            case .qrCode: machine.linkCodeIssued(pairing: false)
            case .pairingCode: machine.linkCodeIssued(pairing: true)
            case .authenticated: machine.authenticated()
            case .ready: machine.ready()
            case .disconnected(let reason): machine.disconnected(reason)
            case .stopRequested(let placement): machine.stopRequested(placement: placement)
            case .logoutRequested: machine.logoutRequested()
            case .leaseLost: machine.leaseLost()
            }
        }
    }

    /// One group of rows: `event` in each of `from` answers `action` and leads to `to` (nil: the status is
    /// unchanged) with the desired state `desired` (nil: unchanged). Statuses start with the desired state a
    /// supervisor leaves them in: `running` for active ones, `stopped` for the others.
    struct Rows: Sendable {
        var event: Event
        var from: [InstanceStatus]
        var action: Action?
        var to: InstanceStatus?
        var desired: InstanceDesiredState?
        /// For rejections, whose action names the event and the status.
        var rejects = false
    }

    static let active: [InstanceStatus] = [.starting, .awaitingQR, .awaitingPairingCode, .authenticated, .ready, .reconnecting]
    static let resting: [InstanceStatus] = [.created, .stopped, .loggedOut, .failed]
    static let linking: [InstanceStatus] = [.starting, .awaitingQR, .awaitingPairingCode, .reconnecting]
    /// Where a new link code may appear: while linking, and after a scan whose link failed.
    static let showingCodes: [InstanceStatus] = linking + [.authenticated]

    static func reject(_ event: Event, _ from: [InstanceStatus]) -> Rows {
        Rows(event: event, from: from, action: nil, to: nil, desired: nil, rejects: true)
    }

    static let table: [Rows] = [
        Rows(event: .startRequested, from: InstanceStatus.allCases, action: .openSession, to: .starting, desired: .running),

        Rows(event: .startFailed, from: [.starting], action: .releaseLease, to: .stopped, desired: .stopped),
        reject(.startFailed, InstanceStatus.allCases.filter { $0 != .starting }),

        Rows(event: .qrCode, from: showingCodes, action: .announceLinkCode, to: .awaitingQR),
        reject(.qrCode, [.ready] + resting),
        Rows(event: .pairingCode, from: showingCodes, action: .announceLinkCode, to: .awaitingPairingCode),
        reject(.pairingCode, [.ready] + resting),

        Rows(event: .authenticated, from: linking, action: .clearLinkCode, to: .authenticated),
        // A page reload while linked.
        Rows(event: .authenticated, from: [.authenticated, .ready], action: .reloaded),
        reject(.authenticated, resting),

        Rows(event: .ready, from: linking + [.authenticated], action: .recordReady, to: .ready),
        Rows(event: .ready, from: [.ready], action: .refreshArchive),
        reject(.ready, resting),

        Rows(event: .disconnected(.connectionLost), from: active, action: .reconnect, to: .reconnecting),
        reject(.disconnected(.connectionLost), resting),
        Rows(event: .disconnected(.proxyFailed), from: active, action: .reconnect, to: .reconnecting),
        reject(.disconnected(.proxyFailed), resting),
        Rows(
            event: .disconnected(.loggedOut), from: active, action: .terminate(unlinked: true, raiseAlert: true),
            to: .loggedOut, desired: .stopped),
        reject(.disconnected(.loggedOut), resting),
        Rows(
            event: .disconnected(.linkTimeout), from: active, action: .terminate(unlinked: false, raiseAlert: false),
            to: .loggedOut, desired: .stopped),
        reject(.disconnected(.linkTimeout), resting),
        Rows(
            event: .disconnected(.banned), from: active, action: .terminate(unlinked: false, raiseAlert: true),
            to: .failed, desired: .stopped),
        reject(.disconnected(.banned), resting),

        Rows(event: .stopRequested(.here), from: InstanceStatus.allCases, action: .stopSession, to: .stopped, desired: .stopped),
        Rows(event: .stopRequested(.elsewhere), from: active, action: .leaveToOwner, desired: .stopped),
        Rows(event: .stopRequested(.elsewhere), from: resting, action: .alreadyStopped),
        // A status left behind by a node that died: the instance is stopped for real.
        Rows(event: .stopRequested(.nowhere), from: active, action: .recordStopped, to: .stopped, desired: .stopped),
        Rows(event: .stopRequested(.nowhere), from: resting, action: .alreadyStopped),

        Rows(event: .logoutRequested, from: InstanceStatus.allCases, action: .unlink, to: .loggedOut, desired: .stopped),

        Rows(event: .leaseLost, from: active, action: .abandon),
        reject(.leaseLost, resting),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var status: InstanceStatus
        var rows: Rows
        var testDescription: String { "\(status.rawValue) + \(rows.event)" }
    }

    static let cases: [Case] = table.flatMap { rows in rows.from.map { Case(status: $0, rows: rows) } }

    static func initialDesired(_ status: InstanceStatus) -> InstanceDesiredState {
        active.contains(status) ? .running : .stopped
    }

    @Test(arguments: cases)
    func transition(_ c: Case) {
        let desired = Self.initialDesired(c.status)
        var machine = Lifecycle(status: c.status, desiredState: desired)
        let action = c.rows.event.apply(to: &machine)
        if c.rows.rejects {
            #expect(action == .reject(.init(event: c.rows.event.description, status: c.status)))
            #expect(machine == Lifecycle(status: c.status, desiredState: desired), "a rejected event changes nothing")
        } else {
            #expect(action == c.rows.action)
            #expect(machine.status == (c.rows.to ?? c.status))
            #expect(machine.desiredState == (c.rows.desired ?? desired))
        }
    }

    @Test func everyStatusMeetsEveryEventExactlyOnce() {
        for status in InstanceStatus.allCases {
            for event in Event.all {
                let matches = Self.cases.filter { $0.status == status && $0.rows.event == event }
                #expect(matches.count == 1, "\(status.rawValue) + \(event): \(matches.count) rows")
            }
        }
        #expect(Self.cases.count == InstanceStatus.allCases.count * Event.all.count)
    }

    @Test func stopRequestedElsewhereOrNowhereWhenOnlyTheWishIsLeft() {
        // Stopped on the phone's side long ago, but someone still wants it running (a node died while it
        // linked, then the status was written by hand): the wish is recorded, the status is not touched.
        var elsewhere = Lifecycle(status: .loggedOut, desiredState: .running)
        #expect(elsewhere.stopRequested(placement: .elsewhere) == .leaveToOwner)
        #expect(elsewhere == Lifecycle(status: .loggedOut, desiredState: .stopped))
        var nowhere = Lifecycle(status: .failed, desiredState: .running)
        #expect(nowhere.stopRequested(placement: .nowhere) == .recordStopped)
        #expect(nowhere == Lifecycle(status: .failed, desiredState: .stopped))
    }

    @Test func aFailedStartRestoresWhatWasThere() {
        let before = Lifecycle(status: .ready, desiredState: .running)
        var machine = before
        #expect(machine.startRequested() == .openSession)
        #expect(machine.startFailed(restoring: before) == .releaseLease)
        #expect(machine == before)
    }

    @Test func aPageReloadWhileReadyAnnouncesNothingAndKeepsTheStatus() {
        var machine = Lifecycle(status: .ready, desiredState: .running)
        #expect(machine.authenticated() == .reloaded)
        #expect(machine.ready() == .refreshArchive)
        #expect(machine.status == .ready)
    }

    @Test func theLinkingPathAndAReconnect() {
        var machine = Lifecycle()
        #expect(machine.startRequested() == .openSession)
        #expect(machine.linkCodeIssued(pairing: false) == .announceLinkCode)
        #expect(machine.linkCodeIssued(pairing: false) == .announceLinkCode)  // a new QR code every ~20 s
        #expect(machine.authenticated() == .clearLinkCode)
        #expect(machine.ready() == .recordReady)
        #expect(machine.disconnected(.timeout) == .reconnect)
        #expect(machine.authenticated() == .clearLinkCode)
        #expect(machine.ready() == .recordReady)
        #expect(machine == Lifecycle(status: .ready, desiredState: .running))
    }

    @Test func theRejectionNamesTheEventAndTheStatus() {
        var machine = Lifecycle(status: .ready, desiredState: .running)
        guard case .reject(let invalid) = machine.linkCodeIssued(pairing: false) else {
            Issue.record("a QR code for a linked session must be refused")
            return
        }
        #expect(invalid.description == "qrCode is not possible while the instance is ready")
    }
}
