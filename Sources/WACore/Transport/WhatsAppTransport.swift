/// Creates WhatsApp sessions: one per instance. Implemented by `WABrowser` (WhatsApp Web in Chromium) and by
/// ``SimulatedWhatsApp`` (an in-process network for trying the product and testing code without a phone).
public protocol WhatsAppTransport: Sendable {
    /// A new, not yet started session for an instance.
    func makeSession(_ configuration: SessionConfiguration) async throws -> any WhatsAppSession
}

/// A linked (or linking) WhatsApp account, driven by the gateway.
///
/// The life of a session: ``start()``; then ``events`` report the QR code (or pairing code), `authenticated`,
/// loading progress and `ready`; commands are valid once ready; ``stop()`` ends the session and finishes
/// ``events``. A session is not restarted after it stopped: the supervisor makes a new one.
///
/// Commands throw ``WAError``: `session_not_ready` before `ready`, `recipient_not_on_whatsapp` for numbers without
/// an account, `account_restricted` while WhatsApp restricts the account, `not_found` for a message (named by its
/// WhatsApp id) the session does not know, `transport_unavailable` when the session's own machinery failed (a
/// crashed browser), `transport_error` for everything else (retryable).
public protocol WhatsAppSession: Sendable {
    /// Everything the session reports, in order. Finishes when the session stops.
    var events: AsyncStream<SessionEvent> { get }

    /// Starts the session: restores the link from ``SessionConfiguration/archive`` if there is one, else begins
    /// linking with the configured ``SessionConfiguration/linkMethod``.
    func start() async throws

    /// Sends a message and returns once WhatsApp accepted it for sending (status `pending` or later).
    ///
    /// Sending is idempotent per ``OutgoingMessage/clientMessageID``: if a message with that id was already sent
    /// by this account (a retry after a crash), the existing message's receipt is returned and nothing is sent
    /// again.
    func send(_ message: OutgoingMessage) async throws -> SendReceipt

    /// Puts a reaction on a message in `chat` (`whatsappID` as this account knows it), in place of this account's
    /// earlier one; an empty `emoji` takes this account's reaction off. Sending the same reaction again is harmless.
    func react(to whatsappID: String, in chat: JID, with emoji: String) async throws

    /// Deletes one of this account's own messages for everyone. A message already deleted is left as it is.
    /// `invalid_argument` when WhatsApp does not let this account delete it (someone else's message, or too old).
    func revoke(_ whatsappID: String, in chat: JID) async throws

    /// Replaces the text (or a media message's caption) of one of this account's own messages. `invalid_argument`
    /// when WhatsApp does not let this account edit it (someone else's message, deleted, or too old).
    func edit(_ whatsappID: String, in chat: JID, text: String) async throws

    /// The bytes of a received message's media. `not_found` when WhatsApp no longer has them (media expires on
    /// WhatsApp's servers after a while) or the session does not know the message.
    func downloadMedia(_ media: IncomingMedia) async throws -> [UInt8]

    /// Declines an incoming call (``SessionEvent/call(_:)``); a call that already ended is left alone.
    func rejectCall(_ call: IncomingCall) async throws

    /// Marks the chat's messages as read (blue ticks for the sender).
    func markSeen(_ chat: JID) async throws

    /// Shows or clears "typing…" / "recording audio…" in a chat.
    func setPresence(_ presence: ChatPresence, in chat: JID) async throws

    /// Whether `phone` has a WhatsApp account, and its JIDs (phone-number JID and, when WhatsApp reveals it, LID).
    /// `nil` when the number is not on WhatsApp.
    func lookUp(_ phone: PhoneNumber) async throws -> NumberLookup?

    /// The groups the linked account is a member of, with their participants, as the session knows them (no
    /// request to WhatsApp per group).
    func groups() async throws -> [GroupInfo]

    /// Unlinks the account (as "Log out" on the phone would); the session then stops with a terminal
    /// `logged_out` disconnect and its archive becomes useless.
    func logout() async throws

    /// Ends the session gracefully, keeping the link; ``events`` finishes.
    func stop() async

    /// The material needed to restore the link later without scanning again (browser profile, keys), or `nil`
    /// while not linked. The caller stores it sealed with ``SecretBox``.
    func exportArchive() async throws -> SessionArchive?
}
