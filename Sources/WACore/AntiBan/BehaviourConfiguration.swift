/// The knobs of the ``BehaviourPlanner``: how fast the simulated person types, reads and records, and how long
/// the instance rests between messages.
///
/// Every range is sampled uniformly (microsecond resolution) from the ``RandomSource`` handed to the planner, so a
/// seeded source reproduces a plan exactly. The defaults follow the community recipe in `reference/peers.md` §6
/// (seen → typing proportional to the text → short pause → send → random gap).
public struct BehaviourConfiguration: Sendable, Hashable, Codable {
    /// Typing speed: the time per character, sampled once per message. Default 60–100 ms per character.
    public var typingPerCharacter: ClosedRange<Duration>
    /// The shortest typing indicator shown for a message that types at all. Default 1 s.
    public var typingFloor: Duration
    /// The longest typing indicator (long texts look pasted, and presence is refreshed in chunks). Default 20 s.
    public var typingCeiling: Duration
    /// Recording time as a multiple of the voice note's duration (people start and stop around the clip).
    /// Default 1.0–1.15.
    public var recordingFactor: ClosedRange<Double>
    /// The shortest recording indicator, also used when the audio duration is unknown. Default 1 s.
    public var recordingFloor: Duration
    /// The longest recording indicator. Default 5 min.
    public var recordingCeiling: Duration
    /// Time spent "reading" after marking a chat seen, before reacting. Default 0.8–2.5 s.
    public var readingPause: ClosedRange<Duration>
    /// Time spent attaching a file or picking a sticker, location or contact (media without a caption).
    /// Default 1–3 s.
    public var attachPause: ClosedRange<Duration>
    /// Hesitation between the typing/recording indicator and the send. Default 0.2–0.8 s.
    public var beforeSendPause: ClosedRange<Duration>
    /// The gap after a message before the instance's next message. Default 2–5 s.
    public var gap: ClosedRange<Duration>

    /// A configuration; every parameter defaults to the value documented on its property.
    public init(
        typingPerCharacter: ClosedRange<Duration> = .milliseconds(60) ... .milliseconds(100),
        typingFloor: Duration = .seconds(1),
        typingCeiling: Duration = .seconds(20),
        recordingFactor: ClosedRange<Double> = 1.0...1.15,
        recordingFloor: Duration = .seconds(1),
        recordingCeiling: Duration = .seconds(300),
        readingPause: ClosedRange<Duration> = .milliseconds(800) ... .milliseconds(2_500),
        attachPause: ClosedRange<Duration> = .seconds(1) ... .seconds(3),
        beforeSendPause: ClosedRange<Duration> = .milliseconds(200) ... .milliseconds(800),
        gap: ClosedRange<Duration> = .seconds(2) ... .seconds(5)
    ) {
        self.typingPerCharacter = typingPerCharacter
        self.typingFloor = typingFloor
        self.typingCeiling = typingCeiling
        self.recordingFactor = recordingFactor
        self.recordingFloor = recordingFloor
        self.recordingCeiling = recordingCeiling
        self.readingPause = readingPause
        self.attachPause = attachPause
        self.beforeSendPause = beforeSendPause
        self.gap = gap
    }

    /// The defaults described on each property.
    public static let standard = BehaviourConfiguration()

    /// Checks that the configuration makes sense (non-negative times, floors below ceilings, positive factors).
    public func validate() throws(WAError) {
        func nonNegative(_ range: ClosedRange<Duration>, _ field: String) throws(WAError) {
            guard range.lowerBound >= .zero else { throw WAError.invalid(field, "must not be negative") }
        }
        try nonNegative(typingPerCharacter, "typingPerCharacter")
        try nonNegative(readingPause, "readingPause")
        try nonNegative(attachPause, "attachPause")
        try nonNegative(beforeSendPause, "beforeSendPause")
        try nonNegative(gap, "gap")
        guard typingFloor >= .zero, typingFloor <= typingCeiling else {
            throw WAError.invalid("typingFloor", "must be between zero and typingCeiling")
        }
        guard recordingFloor >= .zero, recordingFloor <= recordingCeiling else {
            throw WAError.invalid("recordingFloor", "must be between zero and recordingCeiling")
        }
        guard recordingFactor.lowerBound > 0, recordingFactor.upperBound.isFinite else {
            throw WAError.invalid("recordingFactor", "must be positive and finite")
        }
    }
}
