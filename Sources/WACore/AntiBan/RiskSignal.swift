public import Foundation

/// Something the risk monitor learns about an instance.
public enum RiskSignal: Sendable, Hashable {
    /// An outgoing message was accepted by the transport. `recipient` is any stable key (a JID); only its digest
    /// is kept. `text` (or caption) feeds the identical-text rule, normalised and hashed.
    case messageSent(recipient: String, recipientIsContact: Bool, text: String?)
    /// WhatsApp failed or refused an outgoing message (the dispatcher does not report failures of the gateway's own
    /// side, `transport_unavailable`).
    case sendFailed(recipient: String?)
    /// An inbound message arrived in a direct chat (a reply ends the unanswered streak; the gateway does not report
    /// messages written in groups).
    case messageReceived(from: String)
    /// The session disconnected, as the transport classified it (``DisconnectReason/Kind``). Local failures
    /// (``DisconnectReason/isLocal``: a crashed browser, a hung page) are ignored.
    case disconnected(DisconnectReason)
    /// WhatsApp imposed a temporary ban, with its reason code (``TemporaryBanReason``) and expiry when the
    /// transport knows them. A disconnect with code `restricted` is treated the same way with both unknown.
    case temporaryBan(code: Int?, expiresAt: Date?)
    /// A recipient blocked the account, where the transport can tell.
    case blocked(by: String?)
    /// A recipient reported the account, where known.
    case reported(by: String?)
}
