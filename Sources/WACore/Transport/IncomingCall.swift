public import Foundation

/// A WhatsApp call offered to the linked account, as a session reports it (``SessionEvent/call(_:)``). The gateway
/// cannot take calls; ``Instance/callPolicy`` decides whether it rejects them or lets them ring out.
public struct IncomingCall: Sendable, Hashable {
    /// WhatsApp's id of the call.
    public var id: String
    /// Who calls (for a group call, the one who started it).
    public var from: JID
    public var isVideo: Bool
    public var isGroup: Bool
    /// When the call was offered.
    public var offeredAt: Date

    public init(id: String, from: JID, isVideo: Bool = false, isGroup: Bool = false, offeredAt: Date) {
        self.id = id
        self.from = from
        self.isVideo = isVideo
        self.isGroup = isGroup
        self.offeredAt = offeredAt
    }
}

/// What an instance does with the calls it is offered (``Instance/callPolicy``).
public enum CallPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Let the call ring on the account's other devices (the phone) and report it. The default.
    case ignore
    /// Decline the call at once, as pressing "Decline" would, and report it: the caller sees the call declined.
    case reject
}
