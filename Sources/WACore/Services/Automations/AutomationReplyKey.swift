/// The idempotency key of an automated reply, and how automated replies are recognised.
///
/// A reply is sent through ``MessagingService/send(_:by:)`` with the key
/// `automation:<automation id>:<inbound message id>:<action index>`, so processing the same inbound message again
/// returns the message queued the first time and sends nothing. The same prefix is how the loop protection
/// (``AutomationLoopGuard``) tells the gateway's automated replies from messages people sent: an outbound message
/// whose idempotency key starts with `automation:` is automated.
public enum AutomationReplyKey {
    /// The prefix every automated reply's idempotency key starts with.
    public static let prefix = "automation:"

    /// The key of the reply that `action` (its index in the automation's actions) sends for `inbound`.
    public static func make(automation: AutomationID, inbound: MessageID, action: Int) -> String {
        "\(prefix)\(automation):\(inbound):\(action)"
    }

    /// Whether `message` is a reply sent by an automation.
    public static func isAutomated(_ message: Message) -> Bool {
        message.direction == .outbound && (message.idempotencyKey?.hasPrefix(prefix) ?? false)
    }
}
