/// One step of the human-shaped routine the transport performs around an outgoing message.
///
/// The transport executes the steps in order: it marks the chat seen, shows the "typing…" or "recording audio…"
/// presence for the given time, waits, and finally sends. Durations are wall-clock times to spend on the step.
public enum BehaviourStep: Sendable, Hashable, Codable {
    /// Mark the chat's unread inbound messages as seen (blue ticks), as a person opening the chat would.
    case markSeen
    /// Show the "typing…" presence for this long.
    case typing(Duration)
    /// Show the "recording audio…" presence for this long (voice notes).
    case recording(Duration)
    /// Do nothing visible for this long (reading, attaching a file, hesitating before pressing send).
    case pause(Duration)
    /// Send the message.
    case send

    /// The time the step takes (zero for ``markSeen`` and ``send``).
    public var duration: Duration {
        switch self {
        case .markSeen, .send: .zero
        case .typing(let duration), .recording(let duration), .pause(let duration): duration
        }
    }
}
