/// What the behaviour planner decided for one outgoing message: the steps to perform and how long to wait
/// afterwards before starting the next message on the same instance.
public struct BehaviourPlan: Sendable, Hashable, Codable {
    /// The steps, ending with ``BehaviourStep/send``.
    public var steps: [BehaviourStep]
    /// The idle gap after sending, before the next message of this instance may start its own plan.
    public var gapAfter: Duration

    /// A plan of `steps` followed by `gapAfter`.
    public init(steps: [BehaviourStep], gapAfter: Duration) {
        self.steps = steps
        self.gapAfter = gapAfter
    }

    /// The time from the first step to the moment the message is sent.
    public var timeToSend: Duration {
        steps.reduce(.zero) { $0 + $1.duration }
    }

    /// The time the instance is busy with this message, including the gap after it.
    public var totalDuration: Duration { timeToSend + gapAfter }

    /// The typing time, when the plan types.
    public var typingDuration: Duration? {
        for case .typing(let duration) in steps { return duration }
        return nil
    }

    /// The recording time, when the plan records a voice note.
    public var recordingDuration: Duration? {
        for case .recording(let duration) in steps { return duration }
        return nil
    }

    /// Whether the plan marks the chat seen.
    public var marksSeen: Bool { steps.contains(.markSeen) }
}
