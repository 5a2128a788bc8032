public import Foundation

/// Loop protection: decides whether an inbound message may be answered by an automated reply.
///
/// Two bots answering each other (two gateways, or a gateway and a phone with an auto-responder) would otherwise
/// exchange messages forever. The guard looks at the outbound messages the instance sent to the contact before
/// the inbound message arrived and refuses automated replies when either rule holds:
///
/// 1. **Reply to an auto-reply** (``replyWindow``, default 30 s): the latest of those outbound messages is an
///    automated reply (``AutomationReplyKey/isAutomated(_:)``) and the inbound message arrived less than
///    ``replyWindow`` after it was sent (or queued, while it is not sent yet). People rarely answer within
///    seconds; auto-responders do. A message a person sent from the gateway in between resets this.
/// 2. **Too many in a row** (``maximumConsecutiveReplies`` within ``consecutiveWindow``, default 3 within 24 h):
///    the latest ``maximumConsecutiveReplies`` outbound messages sent in the window are all automated. This stops
///    slow auto-responders that rule 1 misses: at most that many automated replies go to one contact on one
///    instance until a person sends a message or the window passes.
///
/// The guard only concerns replies: automations without a reply action are never suppressed by it. Outbound and
/// phone-sent (`fromMe`) messages never trigger automations at all.
public struct AutomationLoopGuard: Sendable, Hashable {
    /// Rule 1's window.
    public let replyWindow: Duration
    /// Rule 2's limit (at least 1).
    public let maximumConsecutiveReplies: Int
    /// Rule 2's window; also how far back the engine reads outbound messages.
    public let consecutiveWindow: Duration

    /// A guard; values are clamped to sensible ranges (limit ≥ 1, windows ≥ 0, reply window ≤ consecutive window).
    public init(
        replyWindow: Duration = .seconds(30), maximumConsecutiveReplies: Int = 3,
        consecutiveWindow: Duration = .seconds(86_400)
    ) {
        self.consecutiveWindow = max(.zero, consecutiveWindow)
        self.replyWindow = min(max(.zero, replyWindow), self.consecutiveWindow)
        self.maximumConsecutiveReplies = max(1, maximumConsecutiveReplies)
    }

    /// Why automated replies were refused.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// Rule 1: the inbound message looks like an auto-responder's answer to our automated reply.
        case replyToAutomatedReply = "reply_to_automated_reply"
        /// Rule 2: the last replies to the contact were all automated.
        case consecutiveReplyLimit = "consecutive_reply_limit"
    }

    /// The decision for an inbound message that arrived at `receivedAt`.
    ///
    /// - Parameter earlierOutbound: outbound messages of the same instance to the same contact, created before the
    ///   inbound message, newest first. Only those created within ``consecutiveWindow`` before `receivedAt` count;
    ///   the first ``maximumConsecutiveReplies`` of them are enough.
    /// - Returns: `nil` when automated replies are allowed, otherwise the reason they are not.
    public func refusal(receivedAt: Date, earlierOutbound: [Message]) -> Reason? {
        let since = receivedAt.subtracting(consecutiveWindow)
        let recent = earlierOutbound.filter { $0.createdAt >= since }
        guard let latest = recent.first else { return nil }
        if AutomationReplyKey.isAutomated(latest) {
            let repliedAt = latest.timestamps.sentAt ?? latest.createdAt
            if receivedAt.timeIntervalSince(repliedAt) < replyWindow.timeInterval { return .replyToAutomatedReply }
        }
        let run = recent.prefix(maximumConsecutiveReplies)
        if run.count == maximumConsecutiveReplies, run.allSatisfy(AutomationReplyKey.isAutomated) {
            return .consecutiveReplyLimit
        }
        return nil
    }
}
