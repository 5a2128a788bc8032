/// A phone (WhatsApp account) on a ``SimulatedWhatsApp`` network: what a test uses to play the other side of a
/// chat, or the phone that links an instance.
///
/// A handle: cheap to copy, all state lives in the network. Every phone receives the messages sent to it
/// (``inbox``), whether or not sessions are linked to it; linked sessions also report them as `messageReceived`.
public struct SimulatedPhone: Sendable, Hashable, CustomStringConvertible {
    /// The account's number.
    public let number: PhoneNumber
    let network: SimulatedWhatsApp

    init(number: PhoneNumber, network: SimulatedWhatsApp) {
        self.number = number
        self.network = network
    }

    /// The same number on the same network.
    public static func == (lhs: SimulatedPhone, rhs: SimulatedPhone) -> Bool {
        lhs.number == rhs.number && lhs.network === rhs.network
    }

    /// Hashes the number.
    public func hash(into hasher: inout Hasher) { hasher.combine(number) }

    /// `SimulatedPhone(+14155550101)`.
    public var description: String { "SimulatedPhone(\(number))" }

    /// The account's phone-number JID (`…@c.us`).
    public var jid: JID { number.jid }

    /// The account's linked identity, if it has one.
    public var lid: JID? { network.read { $0.accounts[number]?.lid } }

    /// The push name others see.
    public var name: String { network.read { $0.accounts[number]?.name ?? "" } }

    // MARK: Receiving

    /// The messages that reached this phone, in delivery order.
    public var inbox: [SimulatedMessage] { network.deliveries(to: number) }

    /// The messages from `sender` that reached this phone, in delivery order.
    public func messages(from sender: PhoneNumber) -> [SimulatedMessage] {
        inbox.filter { $0.from == sender }
    }

    /// The messages this account sent (from the phone or any linked session), in send order, with the status the
    /// sender sees.
    public var sentMessages: [SimulatedMessage] {
        network.read { s in (s.accounts[number]?.outbox ?? []).map { s.messages[$0].message } }
    }

    /// Opens the chat with `chat`: everything it sent here is read (its sender sees `read`).
    public func read(chat: PhoneNumber) {
        network.mutate { s, _ in s.readChat(reader: number, other: chat) }
    }

    /// Reads every message automatically `delay` after it arrives (`nil`, the default: only ``read(chat:)``).
    public func setAutoRead(after delay: Duration?) {
        network.mutate { s, _ in s.accounts[number]?.autoReadDelay = delay }
    }

    /// How the phone answers messages (`nil` removes the script).
    public func setReplyScript(_ script: SimulatedReplyScript?) {
        network.mutate { s, _ in s.accounts[number]?.script = script }
    }

    // MARK: Sending

    /// Sends a text from this phone, as its owner typing it.
    ///
    /// - Throws: `recipient_not_on_whatsapp` when `recipient` is not on the network; `account_restricted` when
    ///   this account is restricted; `transport_error` when it is banned or a fault fails the send.
    @discardableResult
    public func send(text: String, to recipient: PhoneNumber) throws(WAError) -> SimulatedMessage {
        try send(.text(text), to: recipient.jid)
    }

    /// Sends any content from this phone to a chat (`c.us` or `lid` JID).
    @discardableResult
    public func send(_ content: OutgoingMessage.Content, to chat: JID, quoting: String? = nil) throws(WAError)
        -> SimulatedMessage
    {
        try network.tryMutate { s, e throws(WAError) -> SimulatedMessage in
            try s.submit(
                from: number, to: chat, content: content, clientMessageID: s.phoneMessageID(), quoting: quoting,
                origin: nil, &e
            ).message
        }
    }

    /// Reacts to a message this phone sent or received, as its owner would; an empty `emoji` takes the reaction off.
    /// The other side's linked sessions report `.reaction`.
    public func react(to message: SimulatedMessage, with emoji: String) throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            try s.react(from: number, to: message.whatsappID(seenBy: number), emoji: emoji, origin: nil)
        }
    }

    /// Deletes a message this phone sent, for everyone; the recipient's linked sessions report `.messageRevoked`.
    public func revoke(_ message: SimulatedMessage) throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            try s.revoke(from: number, message.whatsappID(seenBy: number), origin: nil)
        }
    }

    /// Edits the text (or caption) of a message this phone sent; the recipient's linked sessions report
    /// `.messageEdited`.
    public func edit(_ message: SimulatedMessage, text: String) throws(WAError) {
        try network.tryMutate { s, _ throws(WAError) in
            try s.edit(from: number, message.whatsappID(seenBy: number), text: text, origin: nil)
        }
    }

    /// Calls `callee` (voice, or video), as the owner would: the callee's linked sessions report `.call`. Returns the
    /// call's id. `recipient_not_on_whatsapp` when `callee` is not on the network.
    @discardableResult
    public func call(_ callee: PhoneNumber, video: Bool = false) throws(WAError) -> String {
        try network.tryMutate { s, _ throws(WAError) -> String in
            try s.offerCall(from: number, to: callee, video: video)
        }
    }

    /// What this phone (or a session linked to it) shows in its chat with `chat` right now: typing, recording,
    /// paused, or `nil` when it never showed anything there.
    public func presence(in chat: PhoneNumber) -> ChatPresence? {
        network.read { $0.accounts[number]?.presence[chat] }
    }

    /// Shows `presence` (typing, recording, paused) in the chat with `chat`; its linked sessions report it.
    public func setPresence(_ presence: ChatPresence, in chat: PhoneNumber) {
        network.mutate { s, _ in s.setPresence(presence, from: number, in: chat.jid) }
    }

    // MARK: Faults

    /// The faults applied to messages this account sends.
    public var faults: SimulatedFaults { network.read { $0.accounts[number]?.faults ?? SimulatedFaults() } }

    /// Changes the faults applied to messages this account sends (from the phone or its linked sessions).
    /// `change` runs under the network's lock: it must not call back into the network.
    public func updateFaults(_ change: (inout SimulatedFaults) -> Void) {
        network.mutate { s, _ in
            guard var faults = s.accounts[number]?.faults else { return }
            change(&faults)
            s.accounts[number]?.faults = faults
        }
    }
}
