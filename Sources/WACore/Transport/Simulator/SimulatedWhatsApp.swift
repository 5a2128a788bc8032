public import Foundation
import Synchronization

/// An in-process simulated WhatsApp network, and a ``WhatsAppTransport`` whose sessions live on it.
///
/// It lets people try the gateway without a phone (`wa-gateway serve --transport simulator`) and lets library
/// users test their own code (bots, automations, status handling) deterministically: time comes from the
/// injected ``WallClock`` and randomness from the injected ``RandomSource``; there is no I/O.
///
/// The network holds simulated phones (accounts). Numbers that were not added are not on WhatsApp. A session
/// links to a phone the way WhatsApp Web does: it shows QR codes (or a pairing code) until the test or user
/// "scans" with ``scan(qrCode:with:)`` / ``enterPairingCode(_:on:)``; it then reports `authenticated`, loading
/// progress and `ready`, and its exported archive restores it later without scanning.
///
/// ```swift
/// let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 1))
/// let shop = network.addPhone(try PhoneNumber("+14155550101"), name: "Shop")
/// let customer = network.addPhone(try PhoneNumber("+14155550102"), name: "Ada")
/// let session = try await network.makeSession(SessionConfiguration(organizationID: org, instanceID: instance))
/// try await session.start()                      // events: stateChanged(.opening), qrCode(…)
/// try network.link(instance: instance, to: shop.number)   // or scan(qrCode:with:) with the code from the events
/// _ = try await session.send(OutgoingMessage(chat: customer.jid, content: .text("Hi"), clientMessageID: "3EB0…"))
/// customer.inbox.count                           // 1
/// ```
///
/// Sent messages report `sent`, then `delivered` when they reach the recipient's phone (after
/// ``Configuration-swift.struct/latency``), then `read` when the recipient reads them (``SimulatedPhone/read(chat:)``,
/// an auto-read delay, or the recipient session's `markSeen`). Fault injection: ``updateFaults(_:)``,
/// ``disconnect(instance:reason:)``, ``takeOver(_:)``, ``ban(_:)``, ``restrict(_:until:disconnectSessions:)``.
///
/// Thread-safe: all state sits behind one lock; session events are yielded in the order the network decides them.
public final class SimulatedWhatsApp: WhatsAppTransport, Sendable {
    let clock: any WallClock
    private let state: Mutex<SimulatorState>

    /// A network with no phones.
    ///
    /// - Parameters:
    ///   - clock: Drives QR rotation, latency and reply delays (a `TestClock` in tests, ``SystemWallClock`` live).
    ///   - random: Codes, archive tokens, phone message ids, latency jitter and fault probabilities.
    public init(
        clock: any WallClock, random: any RandomSource, configuration: Configuration = Configuration()
    ) {
        self.clock = clock
        state = Mutex(SimulatorState(clock: clock, random: random, configuration: configuration))
    }

    /// The network's behaviour (latency, QR rotation…); changes apply from now on.
    public var configuration: Configuration {
        get { state.withLock { $0.configuration } }
        set { state.withLock { $0.configuration = newValue } }
    }

    // MARK: Phones

    /// Adds a phone (a WhatsApp account) to the network, or updates it if the number is already on it.
    ///
    /// - Parameters:
    ///   - phone: The account's number.
    ///   - name: The push name others see.
    ///   - lid: The account's linked identity (`…@lid`), reported by lookups; messages may be sent to it.
    ///   - isBusiness: Whether lookups report a business account.
    @discardableResult
    public func addPhone(_ phone: PhoneNumber, name: String, lid: JID? = nil, isBusiness: Bool = false)
        -> SimulatedPhone
    {
        state.withLock { s in
            if let old = s.accounts[phone]?.lid { s.phoneByLID[old] = nil }
            var account = s.accounts[phone] ?? SimulatorState.Account(name: name, lid: lid, isBusiness: isBusiness)
            account.name = name
            account.lid = lid
            account.isBusiness = isBusiness
            s.accounts[phone] = account
            if let lid { s.phoneByLID[lid.withoutDevice] = phone }
        }
        return SimulatedPhone(number: phone, network: self)
    }

    /// The handle of a phone on the network, or `nil` when the number is not on it.
    public func phone(_ number: PhoneNumber) -> SimulatedPhone? {
        state.withLock { $0.accounts[number] != nil } ? SimulatedPhone(number: number, network: self) : nil
    }

    /// Every number on the network, sorted by E.164.
    public var phoneNumbers: [PhoneNumber] {
        state.withLock { Array($0.accounts.keys) }.sorted { $0.e164 < $1.e164 }
    }

    // MARK: Sessions and linking

    /// A new, not yet started session for an instance (``WhatsAppTransport`` conformance; never throws).
    public func makeSession(_ configuration: SessionConfiguration) async throws -> any WhatsAppSession {
        makeSimulatedSession(configuration)
    }

    /// A new, not yet started session, typed as the simulator's own session (synchronous).
    public func makeSimulatedSession(_ configuration: SessionConfiguration) -> SimulatedSession {
        let (id, stream) = state.withLock { $0.makeSession(configuration) }
        return SimulatedSession(id: id, instanceID: configuration.instanceID, events: stream, network: self)
    }

    /// The phone `phone` scans a QR code a linking session shows: that session links to the phone.
    ///
    /// - Throws: `invalid_argument` (field `qrCode`) when no session shows the code (a rotated-away code no
    ///   longer works), `recipient_not_on_whatsapp` (field `phone`) when the phone is not on the network.
    public func scan(qrCode: String, with phone: PhoneNumber) throws(WAError) {
        try tryMutate { s, e throws(WAError) in try s.linkByCode(qrCode, phone: phone, pairing: false, &e) }
    }

    /// The phone `phone` enters a pairing code (`ABCD-EFGH`; case, spaces and dash ignored): the session that
    /// requested it links.
    ///
    /// - Throws: `invalid_argument` when no session shows the code or it was requested for another number,
    ///   `recipient_not_on_whatsapp` when the phone is not on the network.
    public func enterPairingCode(_ code: String, on phone: PhoneNumber) throws(WAError) {
        try tryMutate { s, e throws(WAError) in try s.linkByCode(code, phone: phone, pairing: true, &e) }
    }

    /// Links the instance's waiting session to `phone`, whichever code it shows (what the gateway's
    /// "simulate scan" button does).
    ///
    /// - Throws: `not_found` when no session of the instance is linking, or the errors of ``scan(qrCode:with:)``.
    public func link(instance: InstanceID, to phone: PhoneNumber) throws(WAError) {
        try tryMutate { s, e throws(WAError) in try s.linkInstance(instance, to: phone, &e) }
    }

    /// The QR or pairing code the instance's linking session shows now, if any.
    public func currentCode(of instance: InstanceID) -> String? {
        state.withLock { s in
            s.sessions.filter { $0.value.instanceID == instance && $0.value.phase == .linking }
                .max { $0.key < $1.key }?.value.code
        }
    }

    // MARK: Fault injection

    /// The network-wide faults.
    public var faults: SimulatedFaults { state.withLock { $0.faults } }

    /// Changes the network-wide faults (they apply to messages from every account). `change` runs under the
    /// network's lock: it must not call back into the network.
    public func updateFaults(_ change: (inout SimulatedFaults) -> Void) {
        state.withLock { change(&$0.faults) }
    }

    /// Ends the instance's live sessions with `reason` (transient ones such as ``DisconnectReason/connectionLost``
    /// keep the link: a new session restores from the archive). A `logged_out` reason also invalidates the archive.
    public func disconnect(instance: InstanceID, reason: DisconnectReason) {
        mutate { s, e in
            let live = s.sessions.filter { $0.value.instanceID == instance && $0.value.phase != .ended }
            for id in live.keys.sorted() {
                disconnect(session: id, reason: reason, &s, &e)
            }
        }
    }

    /// Reloads the WhatsApp Web page of the instance's ready sessions, as a browser does after a crash of the tab
    /// or a WhatsApp Web update: the link stays, and the session reports `authenticated`, its loading steps and
    /// `ready` again (with the same account), then the account's latest
    /// ``Configuration/messagesRepeatedOnReload`` received messages again. Sessions still linking are not affected.
    public func reloadPage(instance: InstanceID) {
        mutate { s, _ in
            let ready = s.sessions.filter { $0.value.instanceID == instance && $0.value.phase == .ready }
            for id in ready.keys.sorted() { s.reannounceReady(id) }
        }
    }

    /// WhatsApp rotates the keys of the instance's ready sessions, as it does from time to time on a live link: each
    /// session's archive (``SimulatedSession/exportArchive()``) changes and the session reports `.archiveChanged`.
    /// A restore works from the current archive or the one just before it; an archive older than that is logged out,
    /// so a gateway that never stores the changed archive loses the link at its next restore.
    public func rotateArchive(instance: InstanceID) {
        mutate { s, _ in
            let ready = s.sessions.filter { $0.value.instanceID == instance && $0.value.phase == .ready }
            for id in ready.keys.sorted() { s.rotateArchive(id) }
        }
    }

    /// Ends the live sessions linked to `phone` with `reason` (see ``disconnect(instance:reason:)``).
    public func disconnect(phone: PhoneNumber, reason: DisconnectReason) {
        mutate { s, e in
            for id in s.liveSessions(of: phone) { disconnect(session: id, reason: reason, &s, &e) }
        }
    }

    private func disconnect(
        session id: Int, reason: DisconnectReason, _ s: inout SimulatorState, _ e: inout SimulatorState.Effects
    ) {
        if reason.code == DisconnectReason.loggedOut.code, let token = s.sessions[id]?.token {
            s.revoke(token: token, &e)
        } else {
            s.end(id, reason: reason, &e)
        }
    }

    /// WhatsApp Web is opened for `phone` somewhere else: its live sessions report `stateChanged(.conflict)` and
    /// end with ``DisconnectReason/conflict``. The link stays valid.
    public func takeOver(_ phone: PhoneNumber) {
        mutate { s, e in
            for id in s.liveSessions(of: phone) { s.end(id, reason: .conflict, state: .conflict, &e) }
        }
    }

    /// WhatsApp bans `phone`: its sessions end with ``DisconnectReason/banned`` (after `stateChanged(.blocked)`),
    /// restoring them fails the same way, lookups no longer find it and messages to it are refused.
    public func ban(_ phone: PhoneNumber) {
        mutate { s, e in
            s.accounts[phone]?.isBanned = true
            for id in s.liveSessions(of: phone) { s.end(id, reason: .banned, state: .blocked, &e) }
        }
    }

    /// WhatsApp restricts `phone` until `until` (or until ``liftRestriction(_:)``): its sends throw
    /// `account_restricted`. With `disconnectSessions`, its sessions also end with ``DisconnectReason/restricted``
    /// and cannot be restored while the restriction lasts.
    public func restrict(_ phone: PhoneNumber, until: Date? = nil, disconnectSessions: Bool = false) {
        mutate { s, e in
            s.accounts[phone]?.restriction = SimulatorState.Restriction(
                until: until, disconnectsSessions: disconnectSessions)
            guard disconnectSessions else { return }
            for id in s.liveSessions(of: phone) { s.end(id, reason: .restricted, &e) }
        }
    }

    /// Ends a restriction early.
    public func liftRestriction(_ phone: PhoneNumber) {
        state.withLock { $0.accounts[phone]?.restriction = nil }
    }

    /// "Log out from all devices" on the phone: every archive of `phone` stops working and its live sessions end
    /// with ``DisconnectReason/loggedOut``.
    public func unlinkDevices(of phone: PhoneNumber) {
        mutate { s, e in
            for (token, record) in s.archives.sorted(by: { $0.key < $1.key }) where record.phone == phone {
                s.revoke(token: token, &e)
            }
        }
    }

    // MARK: Groups

    /// Creates a group, as `owner`'s phone would, with `members` in it, and returns its JID. Members' messages to
    /// the JID reach every other member (each member's copy in its ``SimulatedPhone/inbox``), and their sessions
    /// list it in ``SimulatedSession/groups()``. A group message shows as delivered (or read) to its sender once
    /// every member's phone got (or read) it.
    ///
    /// - Throws: `invalid_argument` for an empty subject (or longer than 100 characters), no member besides the
    ///   owner, or admins who are not members; `recipient_not_on_whatsapp` (field `members`) for a number not on
    ///   the network.
    @discardableResult
    public func createGroup(
        _ subject: String, owner: PhoneNumber, members: [PhoneNumber], admins: [PhoneNumber] = [],
        description: String? = nil
    ) throws(WAError) -> JID {
        try tryMutate { s, _ throws(WAError) -> JID in
            try s.createGroup(subject: subject, description: description, owner: owner, members: members, admins: admins)
        }
    }

    /// Adds `phone` to group `group`: from now on it receives the group's messages and may send to it.
    public func addToGroup(_ group: JID, _ phone: PhoneNumber) throws(WAError) {
        try tryMutate { s, _ throws(WAError) in try s.addToGroup(group, phone) }
    }

    /// Takes `phone` out of group `group`: its sessions no longer list the group, and sending to it is `not_found`.
    public func removeFromGroup(_ group: JID, _ phone: PhoneNumber) throws(WAError) {
        try tryMutate { s, _ throws(WAError) in try s.removeFromGroup(group, phone) }
    }

    /// Group `jid` with its members, or `nil` when there is no such group.
    public func group(_ jid: JID) -> GroupInfo? { read { $0.groupInfo(jid) } }

    // MARK: Inspection

    /// Whether a session linked to the callee declined call `id` (``SimulatedPhone/call(_:video:)``).
    public func callWasRejected(_ id: String) -> Bool {
        read { $0.calls[id]?.rejected ?? false }
    }

    /// The messages that reached `phone`, in delivery order (what "delivered exactly once" assertions count).
    public func deliveries(to phone: PhoneNumber) -> [SimulatedMessage] {
        state.withLock { s in (s.accounts[phone]?.inbox ?? []).map { s.messages[$0].message } }
    }

    /// Every message accepted by the network (including dropped ones), in send order; a group message once per
    /// recipient.
    public var messages: [SimulatedMessage] { state.withLock { $0.messages.map(\.message) } }

    /// What `phone` last showed in its chat with `chat` (typing, recording, paused), if anything.
    public func presence(of phone: PhoneNumber, in chat: PhoneNumber) -> ChatPresence? {
        state.withLock { $0.accounts[phone]?.presence[chat] }
    }

    // MARK: Engine

    /// Runs `body` under the lock, then performs its effects.
    @discardableResult
    func tryMutate<Result: Sendable>(
        _ body: (inout SimulatorState, inout SimulatorState.Effects) throws(WAError) -> Result
    ) throws(WAError) -> Result {
        let (outcome, effects) = state.withLock { s -> (Swift.Result<Result, WAError>, SimulatorState.Effects) in
            var effects = SimulatorState.Effects()
            do throws(WAError) {
                return (.success(try body(&s, &effects)), effects)
            } catch {
                return (.failure(error), effects)
            }
        }
        apply(effects)
        return try outcome.get()
    }

    /// Runs `body` under the lock, then performs its effects (non-throwing form).
    func mutate(_ body: (inout SimulatorState, inout SimulatorState.Effects) -> Void) {
        let effects = state.withLock { s in
            var effects = SimulatorState.Effects()
            body(&s, &effects)
            return effects
        }
        apply(effects)
    }

    func read<Result: Sendable>(_ body: (borrowing SimulatorState) -> Result) -> Result {
        state.withLock { body($0) }
    }

    private func apply(_ effects: SimulatorState.Effects) {
        for task in effects.cancel { task.cancel() }
        for deadline in effects.wakeAt {
            // Detached: the simulated world's timers (delivery, reading, scripted replies) are nobody's work, so they
            // inherit nothing from the task that caused them (a test clock driving that task's work must not treat
            // them as its own and run ahead to them).
            Task.detached { [self] in
                try? await clock.sleep(until: deadline)
                drain()
            }
        }
        for deadline in effects.upkeepWakeAt {
            Task.detached { [self] in
                try? await clock.sleepForUpkeep(until: deadline)
                drain()
            }
        }
        for item in effects.scripts {
            guard let reply = item.script.respond(item.message) else { continue }
            mutate { s, e in
                s.schedule(.scriptedReply(from: item.phone, to: item.message.from, text: reply), after: item.script.delay, &e)
            }
        }
        if effects.needsDrain { drain() }
    }

    /// Performs every due action, earliest first. Each action runs entirely under the lock, so concurrent
    /// drains never reorder events.
    func drain() {
        while true {
            let effects: SimulatorState.Effects? = state.withLock { s in
                guard let action = s.popDue() else { return nil }
                var effects = SimulatorState.Effects()
                s.perform(action, &effects)
                return effects
            }
            guard var effects else { return }
            effects.needsDrain = false
            apply(effects)
        }
    }

    /// Rotates QR codes (or expires the pairing code) of session `id` on the clock until it links or ends.
    func runLinkTimer(session id: Int) async {
        while true {
            let deadline = state.withLock { s -> Date? in
                guard let session = s.sessions[id], session.phase == .linking else { return nil }
                return session.codeDeadline
            }
            guard let deadline else { return }
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            mutate { s, e in s.linkDeadlinePassed(id, deadline: deadline, &e) }
        }
    }

    /// Starts the link timer of session `id`.
    func startLinkTimer(session id: Int) {
        let task = Task.detached { [self] in await runLinkTimer(session: id) }
        let keep = state.withLock { s -> Bool in
            guard s.sessions[id]?.phase == .linking else { return false }
            s.sessions[id]?.linkTask = task
            return true
        }
        if !keep { task.cancel() }
    }
}
