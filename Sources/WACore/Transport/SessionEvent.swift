public import Foundation

/// Something a ``WhatsAppSession`` reports.
public enum SessionEvent: Sendable, Hashable {
    /// A QR code to show (the text to encode); a new one replaces the previous one every ~20 s.
    case qrCode(String)
    /// The pairing code to type into the phone (`ABCD-EFGH`).
    case pairingCode(String)
    /// The phone accepted the link; syncing begins.
    case authenticated
    /// Loading progress while syncing, 0…100.
    case loading(percent: Int)
    /// Linked and synced: commands work now.
    case ready(AccountInfo)
    /// What ``WhatsAppSession/exportArchive()`` returns changed after `ready` (WhatsApp rotated keys, the browser
    /// profile moved on): the supervisor stores the new archive, at most once per
    /// ``InstanceSupervisor/Configuration-swift.struct/archiveRefreshInterval`` (a later change waits for the next
    /// turn), so that a restore after a crash does not start from a stale one.
    case archiveChanged
    /// The connection state changed (informational; `disconnected` is what ends a session).
    case stateChanged(ConnectionState)
    /// The session lost its connection. Transient reasons are retried by the supervisor; terminal ones stop the
    /// instance.
    case disconnected(DisconnectReason)
    /// A message arrived (or was sent from the phone itself, with ``IncomingMessage/fromMe``).
    case messageReceived(IncomingMessage)
    /// A sent message's status moved (already mapped from WhatsApp's ack with ``AckMapping``).
    case messageStatus(whatsappID: String, chat: JID, status: MessageStatus, at: Date)
    /// A message was deleted for everyone.
    case messageRevoked(whatsappID: String, chat: JID)
    /// A message's text was edited.
    case messageEdited(whatsappID: String, chat: JID, body: String)
    /// Someone (or this account, ``MessageReaction/fromMe``) reacted to a message, or took a reaction off.
    case reaction(MessageReaction)
    /// Someone calls the account. The supervisor rejects the call or lets it ring (``Instance/callPolicy``) and
    /// publishes `call.received`.
    case call(IncomingCall)
    /// Someone is typing or recording in a chat (or stopped).
    case presence(chat: JID, participant: JID?, ChatPresence)
}

extension SessionEvent {
    /// The event's name without its content (`message_received`, `disconnected`), for logs: message bodies,
    /// codes and numbers never reach a log line through it.
    public var name: String {
        switch self {
        case .qrCode: "qr_code"
        case .pairingCode: "pairing_code"
        case .authenticated: "authenticated"
        case .loading: "loading"
        case .ready: "ready"
        case .archiveChanged: "archive_changed"
        case .stateChanged: "state_changed"
        case .disconnected: "disconnected"
        case .messageReceived: "message_received"
        case .messageStatus: "message_status"
        case .messageRevoked: "message_revoked"
        case .messageEdited: "message_edited"
        case .reaction: "reaction"
        case .call: "call"
        case .presence: "presence"
        }
    }
}

/// The linked account.
public struct AccountInfo: Sendable, Hashable {
    /// The account's own user JID (`…@c.us`).
    public var jid: JID
    /// The account's LID, when known.
    public var lid: JID?
    public var phone: PhoneNumber?
    /// The name the account shows to others.
    public var pushName: String?

    public init(jid: JID, lid: JID? = nil, phone: PhoneNumber? = nil, pushName: String? = nil) {
        self.jid = jid
        self.lid = lid
        self.phone = phone
        self.pushName = pushName
    }
}

/// WhatsApp Web's connection states, normalised.
public enum ConnectionState: String, Sendable, Hashable, CaseIterable {
    case opening
    case pairing
    case connected
    case timeout
    /// Another client took over the account (WhatsApp Web opened elsewhere).
    case conflict
    case unpaired
    /// WhatsApp blocked the account (terms of service), or the proxy was blocked.
    case blocked
    case deprecatedVersion = "deprecated_version"
}

/// Why a session disconnected, classified for the supervisor.
public struct DisconnectReason: Sendable, Hashable, CustomStringConvertible {
    /// A stable code: `connection_lost`, `timeout`, `browser_crashed`, `page_unresponsive`, `memory_limit`, `conflict`,
    /// `logged_out`, `auth_failure`, `banned`, `restricted`, `link_timeout`, `deprecated_version`, `proxy_failed`, or a
    /// transport-specific one.
    public var code: String
    public var kind: Kind
    /// A short, safe explanation.
    public var message: String
    /// Whether the gateway's own side failed (the browser crashed, the page stopped responding, DevTools stopped
    /// answering) rather than WhatsApp or the network dropping the account. Local failures say nothing about how
    /// WhatsApp sees the account, so the risk monitor does not count them.
    public var isLocal: Bool

    public init(code: String, kind: Kind, message: String, isLocal: Bool = false) {
        self.code = code
        self.kind = kind
        self.message = message
        self.isLocal = isLocal
    }

    /// Whether reconnecting can help.
    public enum Kind: String, Sendable, Hashable {
        /// Reconnect with backoff (network loss, timeouts, a crashed browser).
        case transient
        /// Stop the instance and tell a human (logged out, banned, restricted, blocked).
        case terminal
    }

    public static let connectionLost = DisconnectReason(
        code: "connection_lost", kind: .transient, message: "the connection to WhatsApp was lost")
    public static let timeout = DisconnectReason(code: "timeout", kind: .transient, message: "WhatsApp stopped answering")
    public static let browserCrashed = DisconnectReason(
        code: "browser_crashed", kind: .transient, message: "the browser process ended unexpectedly", isLocal: true)
    /// The WhatsApp Web page stopped responding (a hung or crashed renderer, DevTools calls timing out): the
    /// session is restarted.
    public static let pageUnresponsive = DisconnectReason(
        code: "page_unresponsive", kind: .transient, message: "the WhatsApp Web page stopped responding", isLocal: true)
    /// The browser used more memory than its ceiling (a leaking page grows without bound): the session is restarted,
    /// which gives the memory back.
    public static let memoryLimit = DisconnectReason(
        code: "memory_limit", kind: .transient, message: "the browser used more memory than it may", isLocal: true)
    /// The proxy refused, dropped or could not reach WhatsApp.
    public static let proxyFailed = DisconnectReason(
        code: "proxy_failed", kind: .transient, message: "the proxy refused or dropped the connection")
    public static let conflict = DisconnectReason(
        code: "conflict", kind: .terminal, message: "WhatsApp Web was opened for this account somewhere else")
    public static let loggedOut = DisconnectReason(
        code: "logged_out", kind: .terminal, message: "the device was unlinked from the phone")
    /// Restoring from the archive failed: WhatsApp no longer accepts the stored link (the phone removed the device
    /// while the session was down, or the archive is damaged or from elsewhere). Terminal and unlinking, as
    /// ``loggedOut``: the instance has to be linked again (whatsapp-web.js's `auth_failure`).
    public static let authFailure = DisconnectReason(
        code: "auth_failure", kind: .terminal, message: "WhatsApp refused the stored link; link the instance again")
    public static let banned = DisconnectReason(
        code: "banned", kind: .terminal, message: "WhatsApp banned the account")
    public static let restricted = DisconnectReason(
        code: "restricted", kind: .terminal, message: "WhatsApp restricted the account temporarily")
    /// Linking gave up: every QR code (or the pairing code) expired without a phone linking. Terminal, as
    /// whatsapp-web.js's `qrMaxRetries`: a person has to start the instance again and be ready to scan.
    public static let linkTimeout = DisconnectReason(
        code: "link_timeout", kind: .terminal, message: "no phone was linked before the codes expired")

    /// Whether the connection itself failed (lost, timed out, or the proxy failed), which counts against the
    /// health of the proxy the session went through. A crashed browser does not.
    public var isConnectionFailure: Bool {
        [Self.connectionLost.code, Self.timeout.code, Self.proxyFailed.code].contains(code)
    }

    public var description: String { "\(code) (\(kind.rawValue))" }
}

/// What a chat shows about the other side.
public enum ChatPresence: String, Sendable, Hashable, CaseIterable {
    case typing
    case recording
    /// Stopped typing or recording.
    case paused
}
