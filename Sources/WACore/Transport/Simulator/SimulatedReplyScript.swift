/// How a simulated phone answers the messages it receives, so automations and bots can be tested against a
/// "customer" that talks back.
///
/// The reply is sent from the phone like any other message (network latency and faults apply) after ``delay``.
/// Returning `nil` sends nothing.
///
/// ```swift
/// customer.setReplyScript(.keywords(["price": "How much is it?", "hello": "Hi!"], delay: .seconds(2)))
/// customer.setReplyScript(SimulatedReplyScript { message in message.text.map { "You said: \($0)" } })
/// ```
public struct SimulatedReplyScript: Sendable {
    /// How long the phone "thinks" before answering, on the network's clock.
    public var delay: Duration
    /// The answer to a received message, or `nil` for none. Called outside the network's lock: it may use the
    /// network, but should return quickly.
    public var respond: @Sendable (SimulatedMessage) -> String?

    /// A script that answers with `respond`'s result after `delay`.
    public init(delay: Duration = .zero, respond: @escaping @Sendable (SimulatedMessage) -> String?) {
        self.delay = delay
        self.respond = respond
    }

    /// Answers with the reply of the first rule whose keyword the message text contains (case-insensitive),
    /// else with `fallback`. Rules are tried in the order given.
    public static func keywords(
        _ rules: KeyValuePairs<String, String>, fallback: String? = nil, delay: Duration = .zero
    ) -> SimulatedReplyScript {
        let rules = rules.map { (keyword: $0.key.lowercased(), reply: $0.value) }
        return SimulatedReplyScript(delay: delay) { message in
            guard let text = message.body?.lowercased() else { return fallback }
            return rules.first { text.contains($0.keyword) }?.reply ?? fallback
        }
    }

    /// Repeats every text message back, prefixed with `prefix`.
    public static func echo(prefix: String = "", delay: Duration = .zero) -> SimulatedReplyScript {
        SimulatedReplyScript(delay: delay) { message in message.body.map { prefix + $0 } }
    }
}
