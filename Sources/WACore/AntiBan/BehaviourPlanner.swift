/// Plans the human-shaped routine around each outgoing message: mark seen, type or record, pause, send, rest.
///
/// Pure and deterministic given the ``RandomSource``: the sending service asks for a plan, performs its steps
/// through the transport (presence updates and sleeps on its own clock) and waits ``BehaviourPlan/gapAfter``
/// before the instance's next message.
///
/// ```swift
/// let planner = BehaviourPlanner()
/// let plan = planner.plan(.text("Hello there!", chatHasUnread: true), random: SystemRandomSource())
/// // [.markSeen, .pause(1.3 s), .typing(1.0 s), .pause(0.4 s), .send], gapAfter 3.2 s
/// ```
///
/// Rules:
/// - ``BehaviourStep/markSeen`` (followed by a reading pause) comes first if and only if the chat has unread
///   inbound messages.
/// - Voice notes show ``BehaviourStep/recording(_:)`` for the clip's duration × ``BehaviourConfiguration/recordingFactor``,
///   clamped to the recording floor and ceiling; they never type.
/// - Text types for `textLength` × a per-character time drawn from ``BehaviourConfiguration/typingPerCharacter``,
///   clamped to the typing floor and ceiling (a text always types, an empty one for the floor).
/// - Other kinds type their caption the same way when they have one; without a caption they pause for
///   ``BehaviourConfiguration/attachPause`` instead.
/// - A short hesitation precedes ``BehaviourStep/send``; the gap is drawn from ``BehaviourConfiguration/gap`` and
///   divided by the request's throttle factor.
public struct BehaviourPlanner: Sendable, Hashable, Codable {
    /// Speeds, pauses and gaps.
    public var configuration: BehaviourConfiguration

    /// A planner with `configuration` (default ``BehaviourConfiguration/standard``).
    public init(configuration: BehaviourConfiguration = .standard) {
        self.configuration = configuration
    }

    /// The plan for one message.
    public func plan(_ request: BehaviourRequest, random: any RandomSource) -> BehaviourPlan {
        let config = configuration
        var steps: [BehaviourStep] = []
        if request.chatHasUnread {
            steps.append(.markSeen)
            steps.append(.pause(.antiBanUniform(in: config.readingPause, using: random)))
        }
        switch request.kind {
        case .voice:
            steps.append(.recording(recordingTime(for: request.audioDuration, random: random)))
        case .text:
            steps.append(.typing(typingTime(forCharacters: request.textLength, random: random)))
        default:
            if request.textLength > 0 {
                steps.append(.pause(.antiBanUniform(in: config.attachPause, using: random)))
                steps.append(.typing(typingTime(forCharacters: request.textLength, random: random)))
            } else {
                steps.append(.pause(.antiBanUniform(in: config.attachPause, using: random)))
            }
        }
        steps.append(.pause(.antiBanUniform(in: config.beforeSendPause, using: random)))
        steps.append(.send)
        return BehaviourPlan(steps: steps, gapAfter: gap(throttleFactor: request.throttleFactor, random: random))
    }

    /// The typing time for `characters` characters: characters × a per-character time drawn from the configured
    /// band, clamped to the typing floor and ceiling.
    public func typingTime(forCharacters characters: Int, random: any RandomSource) -> Duration {
        let perCharacter = Duration.antiBanUniform(in: configuration.typingPerCharacter, using: random)
        let micros = perCharacter.antiBanMicroseconds.multipliedReportingOverflow(by: Int64(max(0, characters)))
        let raw: Duration = micros.overflow ? configuration.typingCeiling : .microseconds(micros.partialValue)
        return min(max(raw, configuration.typingFloor), configuration.typingCeiling)
    }

    /// The recording time for a voice note of `audio` (the floor when unknown).
    public func recordingTime(for audio: Duration?, random: any RandomSource) -> Duration {
        guard let audio, audio > .zero else { return configuration.recordingFloor }
        var generator = random.generator
        let factor =
            configuration.recordingFactor.lowerBound == configuration.recordingFactor.upperBound
            ? configuration.recordingFactor.lowerBound
            : Double.random(in: configuration.recordingFactor, using: &generator)
        let micros = Double(audio.antiBanMicroseconds) * factor
        let raw: Duration = micros >= Double(Int64.max / 2) ? configuration.recordingCeiling : .microseconds(Int64(micros))
        return min(max(raw, configuration.recordingFloor), configuration.recordingCeiling)
    }

    /// The rest after a message: drawn from the configured gap and divided by `throttleFactor` (clamped 0.05…1).
    public func gap(throttleFactor: Double = 1, random: any RandomSource) -> Duration {
        let base = Duration.antiBanUniform(in: configuration.gap, using: random)
        let factor = throttleFactor.isFinite ? min(1, max(0.05, throttleFactor)) : 1
        guard factor < 1 else { return base }
        return .microseconds(Int64((Double(base.antiBanMicroseconds) / factor).rounded()))
    }
}
