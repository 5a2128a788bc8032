import Foundation

/// Everything a ``SimulatedWhatsApp`` network knows, mutated only under the network's lock.
///
/// Every mutation collects the work that must happen outside the lock (waking on the clock, cancelling link
/// timers, running reply scripts) in ``Effects``; session events are yielded under the lock so that every
/// session sees them in the order the network decided them.
struct SimulatorState {
    /// One WhatsApp account: a phone, perhaps with linked sessions.
    struct Account {
        var name: String
        var lid: JID?
        var isBusiness: Bool
        /// Indices into ``SimulatorState/messages`` of messages delivered to this phone, in delivery order.
        var inbox: [Int] = []
        /// Indices of messages this account sent, in send order.
        var outbox: [Int] = []
        var autoReadDelay: Duration?
        var script: SimulatedReplyScript?
        var faults = SimulatedFaults()
        var isBanned = false
        var restriction: Restriction?
        /// What this account last showed in each chat (typing, recording, paused).
        var presence: [PhoneNumber: ChatPresence] = [:]
    }

    struct Restriction {
        var until: Date?
        var disconnectsSessions: Bool
    }

    struct MessageRecord {
        var message: SimulatedMessage
        /// The session that sent it, `nil` when sent from the phone.
        var origin: Int?
        var reorderAcks: Bool
    }

    struct SessionRecord {
        enum Phase { case created, linking, ready, ended }

        let instanceID: InstanceID
        let configuration: SessionConfiguration
        let continuation: AsyncStream<SessionEvent>.Continuation
        var phase: Phase = .created
        var phone: PhoneNumber?
        var token: String?
        /// The QR or pairing code currently shown.
        var code: String?
        var codesShown = 0
        var codeDeadline: Date?
        var linkTask: Task<Void, Never>?
        /// The token the session's archive had before the last rotation (still valid, as WhatsApp tolerates one
        /// step behind).
        var previousToken: String?
    }

    struct ArchiveRecord {
        var phone: PhoneNumber
        var isRevoked = false
        /// How much of the phone's inbox sessions with this archive have already reported.
        var inboxCursor: Int
        /// The token the link was made with: every archive the link rotated to shares it, and unlinking revokes
        /// them all.
        var link: String
    }

    struct PendingAction {
        var deadline: Date
        var sequence: Int
        var action: Action
    }

    enum Action {
        case deliver(Int)
        case read(Int)
        case scriptedReply(from: PhoneNumber, to: PhoneNumber, text: String)
        /// Session `id`'s page reloads by itself (``SimulatedWhatsApp/Configuration/reloadInterval``).
        case reload(Int)
    }

    /// A group on the network.
    struct Group {
        var subject: String
        var description: String?
        var owner: PhoneNumber
        var admins: Set<PhoneNumber>
        /// In the order they joined, the owner first.
        var members: [PhoneNumber]
        var createdAt: Date
    }

    struct SentKey: Hashable {
        var sender: PhoneNumber
        var clientMessageID: String
    }

    /// Work to do once the lock is released.
    struct Effects {
        var wakeAt: [Date] = []
        /// Wake-ups for the network's own background manners (page reloads), which are upkeep, not work.
        var upkeepWakeAt: [Date] = []
        var needsDrain = false
        var cancel: [Task<Void, Never>] = []
        var scripts: [(phone: PhoneNumber, script: SimulatedReplyScript, message: SimulatedMessage)] = []
    }

    let clock: any WallClock
    let random: any RandomSource
    var configuration: SimulatedWhatsApp.Configuration
    var faults = SimulatedFaults()
    var accounts: [PhoneNumber: Account] = [:]
    var phoneByLID: [JID: PhoneNumber] = [:]
    var messages: [MessageRecord] = []
    var sentIndex: [SentKey: Int] = [:]
    var sessions: [Int: SessionRecord] = [:]
    var nextSessionID = 0
    var archives: [String: ArchiveRecord] = [:]
    var pending: [PendingAction] = []
    var nextSequence = 0
    /// Calls offered, by id: the callee, and whether a linked session declined them.
    var calls: [String: (callee: PhoneNumber, rejected: Bool)] = [:]
    var groups: [JID: Group] = [:]
    /// The copies of each group message, one per recipient, in member order (the first is in ``sentIndex``).
    var groupCopies: [SentKey: [Int]] = [:]

    init(clock: any WallClock, random: any RandomSource, configuration: SimulatedWhatsApp.Configuration) {
        self.clock = clock
        self.random = random
        self.configuration = configuration
    }

    var now: Date { clock.now() }

    func unitRandom() -> Double { Double(random.next() >> 11) / Double(UInt64(1) << 53) }

    func hex(_ count: Int) -> String {
        random.bytes(count).map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
    }
}

// MARK: - Accounts and addressing

extension SimulatorState {
    /// The account a user JID (`c.us`, `s.whatsapp.net` or `lid`) belongs to, if it is on the network and not
    /// banned.
    func resolve(_ jid: JID) -> PhoneNumber? {
        let user = jid.withoutDevice
        let phone: PhoneNumber?
        if user.isPhoneNumberUser {
            phone = user.phoneNumber
        } else if user.isLID {
            phone = phoneByLID[user]
        } else {
            phone = nil
        }
        guard let phone, let account = accounts[phone], !account.isBanned else { return nil }
        return phone
    }

    func isRestricted(_ phone: PhoneNumber) -> Bool {
        guard let restriction = accounts[phone]?.restriction else { return false }
        if let until = restriction.until { return now < until }
        return true
    }

    func lookUp(_ phone: PhoneNumber) -> NumberLookup? {
        guard let account = accounts[phone], !account.isBanned else { return nil }
        return NumberLookup(jid: phone.jid, lid: account.lid, isBusiness: account.isBusiness)
    }

    func accountInfo(_ phone: PhoneNumber) -> AccountInfo {
        let account = accounts[phone]
        return AccountInfo(jid: phone.jid, lid: account?.lid, phone: phone, pushName: account?.name)
    }

    /// Ready sessions linked to `phone`, in creation order.
    func readySessions(of phone: PhoneNumber) -> [Int] {
        sessions.filter { $0.value.phase == .ready && $0.value.phone == phone }.keys.sorted()
    }

    /// Sessions linked to `phone` that have not ended, in creation order.
    func liveSessions(of phone: PhoneNumber) -> [Int] {
        sessions.filter { $0.value.phase != .ended && $0.value.phone == phone }.keys.sorted()
    }
}

// MARK: - Session lifecycle

extension SimulatorState {
    mutating func makeSession(_ configuration: SessionConfiguration) -> (Int, AsyncStream<SessionEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .unbounded)
        nextSessionID += 1
        sessions[nextSessionID] = SessionRecord(
            instanceID: configuration.instanceID, configuration: configuration, continuation: continuation)
        return (nextSessionID, stream)
    }

    func emit(_ event: SessionEvent, to id: Int) {
        guard let session = sessions[id], session.phase != .ended else { return }
        session.continuation.yield(event)
    }

    /// Ends a session: reports `state` and `reason` when given, then finishes its events.
    mutating func end(_ id: Int, reason: DisconnectReason?, state: ConnectionState? = nil, _ effects: inout Effects) {
        guard var session = sessions[id], session.phase != .ended else { return }
        if let state { session.continuation.yield(.stateChanged(state)) }
        if let reason { session.continuation.yield(.disconnected(reason)) }
        session.continuation.finish()
        session.phase = .ended
        session.code = nil
        session.codeDeadline = nil
        if let task = session.linkTask { effects.cancel.append(task) }
        session.linkTask = nil
        sessions[id] = session
    }

    /// Starts a session; returns whether it now waits for a link (and so needs its link timer).
    mutating func start(_ id: Int, _ effects: inout Effects) throws(WAError) -> Bool {
        guard let session = sessions[id] else { throw Self.notReady }
        switch session.phase {
        case .created: break
        case .ended: throw WAError(.sessionNotReady, "the session has stopped; make a new one")
        case .linking, .ready: return false
        }
        emit(.stateChanged(.opening), to: id)
        if let archive = session.configuration.archive {
            restore(id, from: archive, &effects)
            return false
        }
        let interval = configuration.qrRotationInterval.timeInterval
        let now = now
        switch session.configuration.linkMethod {
        case .qrCode:
            let code = "sim:\(session.instanceID):1:\(hex(8))"
            sessions[id]?.phase = .linking
            sessions[id]?.code = code
            sessions[id]?.codesShown = 1
            sessions[id]?.codeDeadline = now.addingTimeInterval(interval)
            emit(.qrCode(code), to: id)
        case .pairingCode(let phone):
            guard let account = accounts[phone], !account.isBanned else {
                end(id, reason: nil, &effects)
                throw WAError(.recipientNotOnWhatsApp, "\(phone) has no WhatsApp account to link", field: "phone")
            }
            let code = pairingCode()
            sessions[id]?.phase = .linking
            sessions[id]?.code = code
            sessions[id]?.codesShown = 1
            sessions[id]?.codeDeadline = now.addingTimeInterval(interval * Double(configuration.qrCodeLimit))
            emit(.pairingCode(code), to: id)
        }
        return true
    }

    /// WhatsApp's pairing-code alphabet (no 0, O, I or U): `ABCD-EFGH`.
    func pairingCode() -> String {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTVWXYZ")
        let characters = (0..<8).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
        return String(characters[0..<4]) + "-" + String(characters[4..<8])
    }

    /// The link timer of session `id` reached `deadline`: show the next QR code or give up.
    mutating func linkDeadlinePassed(_ id: Int, deadline: Date, _ effects: inout Effects) {
        guard let session = sessions[id], session.phase == .linking, session.codeDeadline == deadline else { return }
        if case .qrCode = session.configuration.linkMethod, session.codesShown < configuration.qrCodeLimit {
            let number = session.codesShown + 1
            let code = "sim:\(session.instanceID):\(number):\(hex(8))"
            sessions[id]?.code = code
            sessions[id]?.codesShown = number
            sessions[id]?.codeDeadline = deadline.adding(configuration.qrRotationInterval)
            emit(.qrCode(code), to: id)
        } else {
            end(id, reason: .linkTimeout, &effects)
        }
    }

    private mutating func restore(_ id: Int, from archive: SessionArchive, _ effects: inout Effects) {
        guard let decoded = SimulatorArchive(archive), let record = archives[decoded.token], !record.isRevoked,
            record.phone.e164 == decoded.phone, let account = accounts[record.phone]
        else {
            end(id, reason: .authFailure, state: .unpaired, &effects)
            return
        }
        if account.isBanned {
            end(id, reason: .banned, state: .blocked, &effects)
            return
        }
        if isRestricted(record.phone), account.restriction?.disconnectsSessions == true {
            end(id, reason: .restricted, &effects)
            return
        }
        sessions[id]?.token = decoded.token
        becomeReady(id, phone: record.phone, &effects)
    }

    /// Links a linking session to `phone` with a fresh archive token.
    mutating func link(_ id: Int, to phone: PhoneNumber, _ effects: inout Effects) {
        let token = hex(16)
        archives[token] = ArchiveRecord(phone: phone, inboxCursor: accounts[phone]?.inbox.count ?? 0, link: token)
        sessions[id]?.token = token
        becomeReady(id, phone: phone, &effects)
    }

    /// A page reload of a ready session: the same link reports itself again.
    func reannounceReady(_ id: Int) {
        guard let session = sessions[id], session.phase == .ready, let phone = session.phone else { return }
        emit(.stateChanged(.opening), to: id)
        emit(.authenticated, to: id)
        for percent in configuration.loadingSteps { emit(.loading(percent: percent), to: id) }
        emit(.stateChanged(.connected), to: id)
        emit(.ready(accountInfo(phone)), to: id)
        for index in (accounts[phone]?.inbox ?? []).suffix(configuration.messagesRepeatedOnReload) {
            let message = messages[index].message
            emit(.messageReceived(message.incoming(pushName: accounts[message.from]?.name)), to: id)
        }
    }

    /// Schedules session `id`'s next reload, if the network reloads pages by itself.
    mutating func scheduleReload(_ id: Int, _ effects: inout Effects) {
        guard let interval = configuration.reloadInterval else { return }
        nextSequence += 1
        let deadline = now.adding(interval)
        pending.append(PendingAction(deadline: deadline, sequence: nextSequence, action: .reload(id)))
        effects.upkeepWakeAt.append(deadline)
    }

    private mutating func becomeReady(_ id: Int, phone: PhoneNumber, _ effects: inout Effects) {
        guard var session = sessions[id] else { return }
        session.phase = .ready
        session.phone = phone
        session.code = nil
        session.codeDeadline = nil
        if let task = session.linkTask { effects.cancel.append(task) }
        session.linkTask = nil
        sessions[id] = session
        emit(.authenticated, to: id)
        for percent in configuration.loadingSteps { emit(.loading(percent: percent), to: id) }
        emit(.stateChanged(.connected), to: id)
        emit(.ready(accountInfo(phone)), to: id)
        scheduleReload(id, &effects)
        // Messages that arrived while no session with this archive was connected (WhatsApp's offline queue).
        guard let token = session.token, let cursor = archives[token]?.inboxCursor,
            let inbox = accounts[phone]?.inbox
        else { return }
        for index in inbox.dropFirst(cursor) {
            let message = messages[index].message
            emit(.messageReceived(message.incoming(pushName: accounts[message.from]?.name)), to: id)
        }
        archives[token]?.inboxCursor = inbox.count
    }

    /// The linking session that shows `code` (QR codes exactly; pairing codes ignoring case, spaces and dashes).
    func linkingSession(showing code: String) -> Int? {
        func normalized(_ text: String) -> String {
            String(text.uppercased().filter { $0 != "-" && $0 != " " })
        }
        return sessions.filter { entry in
            guard entry.value.phase == .linking, let shown = entry.value.code else { return false }
            switch entry.value.configuration.linkMethod {
            case .qrCode: return shown == code
            case .pairingCode: return normalized(shown) == normalized(code)
            }
        }.keys.min()
    }

    mutating func linkByCode(_ code: String, phone: PhoneNumber, pairing: Bool, _ effects: inout Effects)
        throws(WAError)
    {
        guard let account = accounts[phone], !account.isBanned else {
            throw WAError(.recipientNotOnWhatsApp, "\(phone) is not on the simulated network", field: "phone")
        }
        let field = pairing ? "pairingCode" : "qrCode"
        guard let id = linkingSession(showing: code), let session = sessions[id] else {
            throw WAError(.invalidArgument, "no linking session shows this code (it may have expired)", field: field)
        }
        switch session.configuration.linkMethod {
        case .qrCode where pairing:
            throw WAError(.invalidArgument, "this is a QR code; scan it instead", field: field)
        case .pairingCode where !pairing:
            throw WAError(.invalidArgument, "this is a pairing code; enter it on the phone instead", field: field)
        case .pairingCode(let requested) where requested != phone:
            throw WAError(.invalidArgument, "the pairing code was requested for another number", field: "phone")
        default: break
        }
        link(id, to: phone, &effects)
    }

    mutating func linkInstance(_ instanceID: InstanceID, to phone: PhoneNumber, _ effects: inout Effects)
        throws(WAError)
    {
        let id = sessions.filter { $0.value.instanceID == instanceID && $0.value.phase == .linking }.keys.max()
        guard let id, let session = sessions[id], let code = session.code else {
            throw WAError(.notFound, "no session of this instance is waiting for a link", field: "instanceID")
        }
        if case .pairingCode = session.configuration.linkMethod {
            try linkByCode(code, phone: phone, pairing: true, &effects)
        } else {
            try linkByCode(code, phone: phone, pairing: false, &effects)
        }
    }

    /// Invalidates an archive token and every other token of its link; sessions using them end with `logged_out`.
    mutating func revoke(token: String, _ effects: inout Effects) {
        let link = archives[token]?.link ?? token
        var revoked: Set<String> = [token]
        for (other, record) in archives where record.link == link { revoked.insert(other) }
        for other in revoked { archives[other]?.isRevoked = true }
        for id in sessions.keys.sorted() where sessions[id]?.token.map(revoked.contains) == true {
            end(id, reason: .loggedOut, state: .unpaired, &effects)
        }
    }

    /// WhatsApp rotates the keys of ready session `id`'s link: its archive gets a new token and the session reports
    /// `archiveChanged`. The previous archive still restores; the one before it no longer does (logged out).
    mutating func rotateArchive(_ id: Int) {
        guard let session = sessions[id], session.phase == .ready, let token = session.token,
            let record = archives[token], !record.isRevoked
        else { return }
        if let previous = session.previousToken { archives[previous]?.isRevoked = true }
        let fresh = hex(16)
        archives[fresh] = ArchiveRecord(phone: record.phone, inboxCursor: record.inboxCursor, link: record.link)
        sessions[id]?.previousToken = token
        sessions[id]?.token = fresh
        emit(.archiveChanged, to: id)
    }

    static let notReady = WAError(.sessionNotReady, "the session is not ready: link it first (or it has stopped)")

    /// The phone of a ready session, or `session_not_ready`.
    func requireReady(_ id: Int) throws(WAError) -> PhoneNumber {
        guard let session = sessions[id], session.phase == .ready, let phone = session.phone else {
            throw Self.notReady
        }
        return phone
    }
}

// MARK: - Messages

extension SimulatorState {
    /// Accepts a message from `sender` (a session `origin`, or the phone itself when `nil`).
    mutating func submit(
        from sender: PhoneNumber, to chat: JID, content: OutgoingMessage.Content, clientMessageID: String,
        quoting: String?, origin: Int?, _ effects: inout Effects
    ) throws(WAError) -> (message: SimulatedMessage, wasAlreadySent: Bool) {
        guard let account = accounts[sender] else {
            throw WAError(.transportError, "\(sender) is not on the simulated network")
        }
        if account.isBanned { throw WAError(.transportError, "WhatsApp banned this account") }
        if isRestricted(sender) {
            // WhatsApp says when a temporary restriction ends; without an end, no retry helps.
            let retryAfter = accounts[sender]?.restriction?.until.map { Duration.seconds(max(0, $0.timeIntervalSince(clock.now()))) }
            throw WAError(
                .accountRestricted, "WhatsApp restricted this account; sending is blocked for now", retryAfter: retryAfter)
        }
        if let index = sentIndex[SentKey(sender: sender, clientMessageID: clientMessageID)] {
            let missed = configuration.idempotencyMissRate > 0 && unitRandom() < configuration.idempotencyMissRate
            if !missed { return (messages[index].message, true) }
        }
        try injectSendFailure(sender)
        let recipients = try recipients(of: chat, from: sender)
        let now = now
        var message = SimulatedMessage(
            clientMessageID: clientMessageID, from: sender, to: recipients[0], chat: chat, content: content,
            quotedWhatsappID: quoting, sentAt: now, status: .sent)
        message.isDropped = shouldDrop(sender)
        let reorder = accounts[sender]?.faults.reorderAcks == true || faults.reorderAcks
        let index = messages.count
        let key = SentKey(sender: sender, clientMessageID: clientMessageID)
        for recipient in recipients {
            var copy = message
            copy.to = recipient
            messages.append(MessageRecord(message: copy, origin: origin, reorderAcks: reorder))
        }
        sentIndex[key] = index
        if chat.isGroup { groupCopies[key] = Array(index..<messages.count) }
        accounts[sender]?.outbox.append(index)

        let senderName = account.name
        for id in readySessions(of: sender) where id != origin {
            emit(.messageReceived(message.outgoingEcho(pushName: senderName)), to: id)
        }
        emitStatus(.sent, of: index)
        if !message.isDropped {
            let latency = deliveryLatency()
            for copy in index..<messages.count { schedule(.deliver(copy), after: latency, &effects) }
        }
        return (message, false)
    }

    /// Who receives a message `sender` sends to `chat`: the user, or the group's other members.
    private func recipients(of chat: JID, from sender: PhoneNumber) throws(WAError) -> [PhoneNumber] {
        if chat.isGroup {
            guard let group = groups[chat.withoutDevice] else {
                throw WAError(.notFound, "no group \(chat) on the simulated network", field: "chat")
            }
            guard group.members.contains(sender) else {
                throw WAError(.notFound, "\(sender) is not a member of the group \(chat)", field: "chat")
            }
            let others = group.members.filter { $0 != sender }
            guard !others.isEmpty else {
                throw WAError.invalid("chat", "the group has no other member to send to")
            }
            return others
        }
        guard let recipient = resolve(chat) else {
            throw WAError(
                .recipientNotOnWhatsApp, chat.isUser ? "\(chat.user) is not on WhatsApp"
                    : "the simulator delivers to users and groups, not to channels or broadcasts", field: "chat")
        }
        return [recipient]
    }

    /// Every copy of message `index`: itself, or each member's copy of a group message.
    func copies(of index: Int) -> [Int] {
        let message = messages[index].message
        guard message.chat.isGroup else { return [index] }
        return groupCopies[SentKey(sender: message.from, clientMessageID: message.clientMessageID)] ?? [index]
    }

    private mutating func injectSendFailure(_ sender: PhoneNumber) throws(WAError) {
        let local = WAError(.transportUnavailable, "the simulated session failed before sending (fault injection)")
        if let count = accounts[sender]?.faults.failNextSendsLocally, count > 0 {
            accounts[sender]?.faults.failNextSendsLocally = count - 1
            throw local
        }
        if faults.failNextSendsLocally > 0 {
            faults.failNextSendsLocally -= 1
            throw local
        }
        let failure = WAError(.transportError, "the simulated network failed the send (fault injection)")
        if let count = accounts[sender]?.faults.failNextSends, count > 0 {
            accounts[sender]?.faults.failNextSends = count - 1
            throw failure
        }
        if faults.failNextSends > 0 {
            faults.failNextSends -= 1
            throw failure
        }
        for probability in [accounts[sender]?.faults.sendFailureProbability ?? 0, faults.sendFailureProbability]
        where probability > 0 && unitRandom() < probability {
            throw failure
        }
    }

    private mutating func shouldDrop(_ sender: PhoneNumber) -> Bool {
        if let count = accounts[sender]?.faults.dropNextMessages, count > 0 {
            accounts[sender]?.faults.dropNextMessages = count - 1
            return true
        }
        if faults.dropNextMessages > 0 {
            faults.dropNextMessages -= 1
            return true
        }
        for probability in [accounts[sender]?.faults.dropProbability ?? 0, faults.dropProbability]
        where probability > 0 && unitRandom() < probability {
            return true
        }
        return false
    }

    private func deliveryLatency() -> Duration {
        var seconds = configuration.latency.timeInterval
        let jitter = configuration.latencyJitter.timeInterval
        if jitter > 0 { seconds += (unitRandom() * 2 - 1) * jitter }
        return .nanoseconds(Int64((max(0, seconds) * 1e9).rounded()))
    }

    /// Reports a status change of message `index` to the sender's ready sessions; for a group message, once every
    /// member's copy reached it (as WhatsApp shows a group message delivered or read only when all members got or
    /// read it).
    func emitStatus(_ status: MessageStatus, of index: Int) {
        let message = messages[index].message
        if message.chat.isGroup {
            let reached = copies(of: index).allSatisfy { copy in
                let other = messages[copy].message
                switch status {
                case .delivered: return other.deliveredAt != nil
                case .read, .played: return other.readAt != nil
                default: return true
                }
            }
            guard reached else { return }
        }
        let event = SessionEvent.messageStatus(
            whatsappID: message.senderWhatsappID, chat: message.chat, status: status, at: now)
        for id in readySessions(of: message.from) { emit(event, to: id) }
    }

    /// The message reaches the recipient's phone (and its linked sessions).
    mutating func deliver(_ index: Int, _ effects: inout Effects) {
        let record = messages[index]
        var message = record.message
        guard !message.isDropped, message.deliveredAt == nil, let recipient = accounts[message.to],
            !recipient.isBanned
        else { return }
        message.deliveredAt = now
        message.status = .delivered
        if record.reorderAcks {
            message.status = .read
            message.readAt = now
        }
        messages[index].message = message
        accounts[message.to]?.inbox.append(index)
        let inboxCount = accounts[message.to]?.inbox.count ?? 0
        for id in readySessions(of: message.to) {
            emit(.messageReceived(message.incoming(pushName: accounts[message.from]?.name)), to: id)
            if let token = sessions[id]?.token { archives[token]?.inboxCursor = inboxCount }
        }
        if record.reorderAcks {
            emitStatus(.read, of: index)
            emitStatus(.delivered, of: index)
        } else {
            emitStatus(.delivered, of: index)
            if let delay = recipient.autoReadDelay { schedule(.read(index), after: delay, &effects) }
        }
        if let script = recipient.script, !message.chat.isGroup {
            effects.scripts.append((phone: message.to, script: script, message: message))
        }
    }

    /// The recipient read message `index` (blue ticks).
    mutating func markRead(_ index: Int) {
        var message = messages[index].message
        guard message.deliveredAt != nil, message.readAt == nil else { return }
        message.readAt = now
        if message.status.canAdvance(to: .read) { message.status = .read }
        messages[index].message = message
        emitStatus(.read, of: index)
    }

    /// `reader` opened its chat with `other`: everything `other` sent it is read.
    mutating func readChat(reader: PhoneNumber, other: PhoneNumber) {
        for index in accounts[reader]?.inbox ?? []
        where messages[index].message.from == other && !messages[index].message.chat.isGroup {
            markRead(index)
        }
    }

    mutating func setPresence(_ presence: ChatPresence, from sender: PhoneNumber, in chat: JID) {
        guard let other = resolve(chat) else { return }
        accounts[sender]?.presence[other] = presence
        for id in readySessions(of: other) {
            emit(.presence(chat: sender.jid, participant: nil, presence), to: id)
        }
    }

    /// A WhatsApp-style id for a message typed on a phone: `3A` and 18 hex digits.
    func phoneMessageID() -> String { "3A" + String(hex(9)) }
}

// MARK: - Reactions, deletions, edits

extension SimulatorState {
    /// The message `whatsappID` names as `phone`'s devices know it (`true_<chat>_<id>` for its own messages,
    /// `false_<sender>_<id>` for received ones), if `phone` sent or received it.
    func messageIndex(_ whatsappID: String, seenBy phone: PhoneNumber) -> Int? {
        // `true_<chat>_<id>`, `false_<sender>_<id>`, or in a group `false_<group>_<id>_<participant>`.
        let parts = whatsappID.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3 || (parts.count == 4 && parts[0] == "false") else { return nil }
        let sender: PhoneNumber?
        switch parts[0] {
        case "true": sender = phone
        case "false": sender = (try? JID(parsing: String(parts[parts.count == 4 ? 3 : 1]))).flatMap { resolve($0) }
        default: sender = nil
        }
        guard let sender, let index = sentIndex[SentKey(sender: sender, clientMessageID: String(parts[2]))] else {
            return nil
        }
        if messages[index].message.from == phone { return index }
        return copies(of: index).first { copy in
            messages[copy].message.to == phone && messages[copy].message.deliveredAt != nil
        }
    }

    private func requireMessage(_ whatsappID: String, seenBy phone: PhoneNumber) throws(WAError) -> Int {
        guard let index = messageIndex(whatsappID, seenBy: phone) else {
            throw WAError(.notFound, "no message \(whatsappID) in this account's chats", field: "whatsapp_id")
        }
        return index
    }

    /// Reports `event(phone)` about message `index` to the ready sessions of both sides (the recipient's only once
    /// the message reached it), except the session `origin` that caused it.
    private func emitToBothSides(of index: Int, except origin: Int?, _ event: (PhoneNumber) -> SessionEvent) {
        let message = messages[index].message
        var sides = [message.from]
        for copy in copies(of: index) {
            let other = messages[copy].message
            if other.deliveredAt != nil, other.to != other.from { sides.append(other.to) }
        }
        for side in sides {
            for id in readySessions(of: side) where id != origin { emit(event(side), to: id) }
        }
    }

    /// `reactor` reacts to a message it sent or received; an empty `emoji` takes its reaction off.
    mutating func react(from reactor: PhoneNumber, to whatsappID: String, emoji: String, origin: Int?) throws(WAError) {
        let index = try requireMessage(whatsappID, seenBy: reactor)
        guard messages[index].message.reactions[reactor] != (emoji.isEmpty ? nil : emoji) else { return }
        for copy in copies(of: index) { messages[copy].message.reactions[reactor] = emoji.isEmpty ? nil : emoji }
        let message = messages[index].message
        let now = now
        emitToBothSides(of: index, except: origin) { side in
            .reaction(
                MessageReaction(
                    whatsappID: message.whatsappID(seenBy: side), chat: message.chat(seenBy: side), sender: reactor.jid,
                    fromMe: side == reactor, emoji: emoji, timestamp: now))
        }
    }

    /// `sender` deletes one of its messages for everyone (a second deletion does nothing).
    mutating func revoke(from sender: PhoneNumber, _ whatsappID: String, origin: Int?) throws(WAError) {
        let index = try requireMessage(whatsappID, seenBy: sender)
        guard messages[index].message.from == sender else {
            throw WAError.invalid("whatsapp_id", "only its sender can delete a message for everyone")
        }
        guard messages[index].message.revokedAt == nil else { return }
        for copy in copies(of: index) { messages[copy].message.revokedAt = now }
        let message = messages[index].message
        emitToBothSides(of: index, except: origin) { side in
            .messageRevoked(whatsappID: message.whatsappID(seenBy: side), chat: message.chat(seenBy: side))
        }
    }

    /// `sender` edits the text (or caption) of one of its messages.
    mutating func edit(from sender: PhoneNumber, _ whatsappID: String, text: String, origin: Int?) throws(WAError) {
        let index = try requireMessage(whatsappID, seenBy: sender)
        var message = messages[index].message
        guard message.from == sender else { throw WAError.invalid("whatsapp_id", "only its sender can edit a message") }
        guard message.revokedAt == nil else { throw WAError.invalid("whatsapp_id", "a deleted message cannot be edited") }
        switch message.content {
        case .text: message.content = .text(text)
        case .media(var media):
            media.caption = text
            message.content = .media(media)
        case .location, .contactCard:
            throw WAError.invalid("whatsapp_id", "only texts and captions can be edited")
        }
        guard message != messages[index].message else { return }
        message.editedAt = now
        for copy in copies(of: index) {
            messages[copy].message.content = message.content
            messages[copy].message.editedAt = message.editedAt
        }
        emitToBothSides(of: index, except: origin) { side in
            .messageEdited(whatsappID: message.whatsappID(seenBy: side), chat: message.chat(seenBy: side), body: text)
        }
    }
}

// MARK: - Calls

extension SimulatorState {
    /// `caller` calls `callee`: the callee's ready sessions report `.call`. Returns the call's id.
    mutating func offerCall(from caller: PhoneNumber, to callee: PhoneNumber, video: Bool) throws(WAError) -> String {
        guard accounts[caller] != nil else { throw WAError(.transportError, "\(caller) is not on the simulated network") }
        guard accounts[callee] != nil else {
            throw WAError(.recipientNotOnWhatsApp, "\(callee) is not on WhatsApp", field: "callee")
        }
        let id = hex(16).uppercased()
        calls[id] = (callee, false)
        let call = IncomingCall(id: id, from: caller.jid, isVideo: video, offeredAt: now)
        for session in readySessions(of: callee) { emit(.call(call), to: session) }
        return id
    }

    /// A session of `phone` declines call `id` (a call to someone else, or unknown, is left alone).
    mutating func rejectCall(_ id: String, by phone: PhoneNumber) {
        guard calls[id]?.callee == phone else { return }
        calls[id]?.rejected = true
    }
}

// MARK: - Timers

extension SimulatorState {
    mutating func schedule(_ action: Action, after delay: Duration, _ effects: inout Effects) {
        nextSequence += 1
        let deadline = now.adding(delay)
        pending.append(PendingAction(deadline: deadline, sequence: nextSequence, action: action))
        if delay > .zero {
            effects.wakeAt.append(deadline)
        } else {
            effects.needsDrain = true
        }
    }

    /// Removes and returns the earliest action that is due.
    mutating func popDue() -> Action? {
        let now = now
        var best: Int?
        for (position, item) in pending.enumerated() where item.deadline <= now {
            if let current = best {
                let other = pending[current]
                if (item.deadline, item.sequence) < (other.deadline, other.sequence) { best = position }
            } else {
                best = position
            }
        }
        guard let best else { return nil }
        return pending.remove(at: best).action
    }

    mutating func perform(_ action: Action, _ effects: inout Effects) {
        switch action {
        case .deliver(let index):
            deliver(index, &effects)
        case .read(let index):
            markRead(index)
        case .scriptedReply(let from, let to, let text):
            _ = try? submit(
                from: from, to: to.jid, content: .text(text), clientMessageID: phoneMessageID(), quoting: nil,
                origin: nil, &effects)
        case .reload(let id):
            guard sessions[id]?.phase == .ready else { return }
            reannounceReady(id)
            scheduleReload(id, &effects)
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
