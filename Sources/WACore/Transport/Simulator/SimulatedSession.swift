/// A session on a ``SimulatedWhatsApp`` network: one instance's linked (or linking) WhatsApp Web.
///
/// Behaves as the ``WhatsAppSession`` contract describes. Specifics:
/// - ``start()`` without an archive reports `stateChanged(.opening)` and a QR code that rotates every
///   ``SimulatedWhatsApp/Configuration-swift.struct/qrRotationInterval`` (or one pairing code); when the last code
///   expires the session ends with ``DisconnectReason/linkTimeout``. Starting with a pairing code for a number
///   that is not on the network throws `recipient_not_on_whatsapp` and ends the session.
/// - With an archive it restores straight to `ready` (messages that arrived meanwhile follow as
///   `messageReceived`), or ends with `logged_out` if the archive is unknown or was logged out (`banned` /
///   `restricted` when the account is).
/// - ``send(_:)`` returns a `sent` receipt (`true_<chat>_<id>`) and the events report `sent`, `delivered` and
///   `read` as they happen.
public final class SimulatedSession: WhatsAppSession {
    /// Everything the session reports, in order; finishes when the session ends.
    public let events: AsyncStream<SessionEvent>
    /// The instance the session belongs to.
    public let instanceID: InstanceID
    let id: Int
    let network: SimulatedWhatsApp

    init(id: Int, instanceID: InstanceID, events: AsyncStream<SessionEvent>, network: SimulatedWhatsApp) {
        self.id = id
        self.instanceID = instanceID
        self.events = events
        self.network = network
    }

    /// The phone the session is linked to, once linked.
    public var linkedPhone: PhoneNumber? { network.read { $0.sessions[id]?.phone } }

    /// The QR or pairing code shown right now, while linking.
    public var currentCode: String? { network.read { $0.sessions[id]?.code } }

    /// Whether the session is linked and ready for commands.
    public var isReady: Bool { network.read { $0.sessions[id]?.phase == .ready } }

    /// Whether the session has ended (stopped, disconnected or logged out).
    public var hasEnded: Bool { network.read { $0.sessions[id]?.phase == .ended } }

    /// Restores from the archive, or starts linking (QR codes rotating on the clock, or a pairing code), after the
    /// configured ``SimulatedWhatsApp/Configuration-swift.struct/startupTime``.
    /// Calling it again while running does nothing; after the session ended it throws `session_not_ready`.
    public func start() async throws(WAError) {
        let startupTime = network.configuration.startupTime
        if startupTime > .zero {
            do {
                try await network.clock.sleep(for: startupTime)
            } catch {
                throw WAError(.transportError, "the session was cancelled while starting")
            }
        }
        let needsTimer = try network.tryMutate { s, e throws(WAError) in try s.start(id, &e) }
        if needsTimer { network.startLinkTimer(session: id) }
    }

    /// Sends from the linked account: a `sent` receipt now, `delivered`/`read` as `messageStatus` events later.
    /// A repeated ``OutgoingMessage/clientMessageID`` returns the first message's receipt with `wasAlreadySent`.
    public func send(_ message: OutgoingMessage) async throws(WAError) -> SendReceipt {
        try network.tryMutate { s, e throws(WAError) -> SendReceipt in
            let phone = try s.requireReady(id)
            let (sent, wasAlreadySent) = try s.submit(
                from: phone, to: message.chat, content: message.content, clientMessageID: message.clientMessageID,
                quoting: message.quotedWhatsappID, origin: id, &e)
            return SendReceipt(
                whatsappID: sent.senderWhatsappID, chat: sent.chat, status: wasAlreadySent ? sent.status : .sent,
                timestamp: sent.sentAt, wasAlreadySent: wasAlreadySent)
        }
    }

    /// Reacts to a message this account sent or received; the other side's linked sessions (and this account's
    /// other ones) report `.reaction`. `not_found` for a message the account does not have.
    public func react(to whatsappID: String, in chat: JID, with emoji: String) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            try s.react(from: phone, to: whatsappID, emoji: emoji, origin: id)
        }
    }

    /// Deletes one of this account's messages for everyone; the recipient's linked sessions report
    /// `.messageRevoked`. `invalid_argument` for a message this account did not send.
    public func revoke(_ whatsappID: String, in chat: JID) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            try s.revoke(from: phone, whatsappID, origin: id)
        }
    }

    /// Edits the text or caption of one of this account's messages; the recipient's linked sessions report
    /// `.messageEdited`. `invalid_argument` for a message this account did not send, a deleted one, or a location
    /// or contact card.
    public func edit(_ whatsappID: String, in chat: JID, text: String) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            try s.edit(from: phone, whatsappID, text: text, origin: id)
        }
    }

    /// The bytes of a media message this account received or sent (the handle is the message's id as this account
    /// knows it); `not_found` for anything else.
    public func downloadMedia(_ media: IncomingMedia) async throws(WAError) -> [UInt8] {
        try network.tryMutate { s, _ throws(WAError) -> [UInt8] in
            let phone = try s.requireReady(id)
            guard let index = s.messageIndex(media.handle, seenBy: phone),
                case .media(let payload) = s.messages[index].message.content
            else { throw WAError(.notFound, "no media message \(media.handle) in this account's chats", field: "handle") }
            return payload.bytes
        }
    }

    /// Declines a call to this account (``SimulatedWhatsApp/callWasRejected(_:)`` then says so).
    public func rejectCall(_ call: IncomingCall) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            s.rejectCall(call.id, by: phone)
        }
    }

    /// Reads every message the chat sent this account; the sender sees `read`.
    public func markSeen(_ chat: JID) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            guard let other = s.resolve(chat) else { return }
            s.readChat(reader: phone, other: other)
        }
    }

    /// Shows typing/recording/paused in a chat; a linked recipient reports `.presence`.
    public func setPresence(_ presence: ChatPresence, in chat: JID) async throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            let phone = try s.requireReady(id)
            s.setPresence(presence, from: phone, in: chat)
        }
    }

    /// The number's JIDs if it is on the network (and not banned), else `nil`.
    public func lookUp(_ phone: PhoneNumber) async throws(WAError) -> NumberLookup? {
        try network.tryMutate { s, _ throws(WAError) -> NumberLookup? in
            _ = try s.requireReady(id)
            return s.lookUp(phone)
        }
    }

    /// The groups the linked phone is a member of (``SimulatedWhatsApp/createGroup(_:owner:members:admins:description:)``).
    public func groups() async throws(WAError) -> [GroupInfo] {
        try network.tryMutate { s, _ throws(WAError) -> [GroupInfo] in
            s.groups(of: try s.requireReady(id))
        }
    }

    /// Unlinks: `stateChanged(.unpaired)`, `disconnected(.loggedOut)`, events finish, the archive stops working.
    public func logout() async throws(WAError) {
        try network.tryMutate { s, e throws(WAError) in
            _ = try s.requireReady(id)
            if let token = s.sessions[id]?.token { s.revoke(token: token, &e) }
        }
    }

    /// Ends the session without a `disconnected` event, keeping the link; events finish. Idempotent.
    public func stop() async {
        network.mutate { s, e in s.end(id, reason: nil, &e) }
    }

    /// The archive that restores this link (a phone and a token the network remembers), or `nil` when not
    /// linked or logged out. Still available after ``stop()``.
    public func exportArchive() async throws(WAError) -> SessionArchive? {
        network.read { s -> SessionArchive? in
            guard let session = s.sessions[id], let token = session.token, let phone = session.phone,
                s.archives[token]?.isRevoked == false
            else { return nil }
            return SimulatorArchive(phone: phone, token: token).sessionArchive
        }
    }
}
