import Testing
import WACore

@Suite("BehaviourPlanner")
struct BehaviourPlannerTests {
    let planner = BehaviourPlanner()
    let config = BehaviourConfiguration.standard

    /// A deterministic pseudo-random request from the run index.
    static func request(_ run: Int, random: SeededRandomSource) -> BehaviourRequest {
        var generator = random.generator
        let kinds = Message.Kind.allCases
        let kind = kinds[Int.random(in: 0..<kinds.count, using: &generator)]
        let length = Int.random(in: 0...600, using: &generator)
        let audio: Duration? = kind == .voice ? .milliseconds(Int.random(in: 0...400_000, using: &generator)) : nil
        return BehaviourRequest(
            kind: kind, textLength: kind == .voice ? 0 : length, audioDuration: audio,
            chatHasUnread: Bool.random(using: &generator))
    }

    @Test("10,000 seeded plans stay within every bound")
    func boundsOverManyRuns() {
        let random = SeededRandomSource(seed: 0xA11_BA4)
        var clampedLow = 0, clampedHigh = 0, proportional = 0
        for run in 0..<10_000 {
            let request = Self.request(run, random: random)
            let plan = planner.plan(request, random: random)

            // Seen step iff unread, and first.
            #expect(plan.marksSeen == request.chatHasUnread)
            #expect((plan.steps.first == .markSeen) == request.chatHasUnread)
            #expect(plan.steps.filter { $0 == .markSeen }.count == (request.chatHasUnread ? 1 : 0))
            // Ends with exactly one send.
            #expect(plan.steps.last == .send)
            #expect(plan.steps.filter { $0 == .send }.count == 1)
            // Gap within 2–5 s.
            #expect(plan.gapAfter >= .seconds(2) && plan.gapAfter <= .seconds(5))

            // Recording iff voice; never both.
            #expect((plan.recordingDuration != nil) == (request.kind == .voice))
            if request.kind == .voice {
                #expect(plan.typingDuration == nil)
                let recording = plan.recordingDuration!
                #expect(recording >= config.recordingFloor && recording <= config.recordingCeiling)
                if let audio = request.audioDuration, audio > .zero {
                    let lower = min(max(audio, config.recordingFloor), config.recordingCeiling)
                    let upper = min(max(audio * 1.15 + .microseconds(1), config.recordingFloor), config.recordingCeiling)
                    #expect(recording >= lower && recording <= upper)
                }
            }

            // Typing iff text or a caption; within floor and ceiling; proportional when not clamped.
            let types = request.kind == .text || (request.kind != .voice && request.textLength > 0)
            #expect((plan.typingDuration != nil) == types)
            if let typing = plan.typingDuration {
                #expect(typing >= config.typingFloor && typing <= config.typingCeiling)
                if typing == config.typingFloor {
                    clampedLow += 1
                    #expect(request.textLength * 60 <= 1_000)  // only a short text can fall below the floor
                } else if typing == config.typingCeiling {
                    clampedHigh += 1
                    #expect(request.textLength * 100 >= 20_000)  // only a long text can reach the ceiling
                } else {
                    proportional += 1
                    let perCharacter = typing / request.textLength
                    #expect(perCharacter >= .milliseconds(60) && perCharacter <= .milliseconds(100))
                }
            }
            // Every step has a non-negative duration.
            #expect(plan.steps.allSatisfy { $0.duration >= .zero })
        }
        // The run exercised all three regimes.
        #expect(clampedLow > 0 && clampedHigh > 0 && proportional > 1_000)
    }

    @Test("the same seed gives the same plan; another seed a different one")
    func deterministic() {
        let request = BehaviourRequest.text("Hello, how are you doing today?", chatHasUnread: true)
        let a = planner.plan(request, random: SeededRandomSource(seed: 7))
        let b = planner.plan(request, random: SeededRandomSource(seed: 7))
        let c = planner.plan(request, random: SeededRandomSource(seed: 8))
        #expect(a == b)
        #expect(a != c)
    }

    @Test("step order: seen, reading pause, typing, pause, send")
    func stepOrder() {
        let plan = planner.plan(.text("Hi there", chatHasUnread: true), random: SeededRandomSource(seed: 1))
        #expect(plan.steps.count == 5)
        #expect(plan.steps[0] == .markSeen)
        guard case .pause = plan.steps[1], case .typing = plan.steps[2], case .pause = plan.steps[3] else {
            Issue.record("unexpected steps \(plan.steps)")
            return
        }
        #expect(plan.steps[4] == .send)
        #expect(plan.timeToSend == plan.steps.reduce(.zero) { $0 + $1.duration })
        #expect(plan.totalDuration == plan.timeToSend + plan.gapAfter)
    }

    @Test("media without caption pauses instead of typing; with caption it types the caption")
    func media() throws {
        let random = SeededRandomSource(seed: 3)
        let bare = planner.plan(BehaviourRequest(kind: .image, textLength: 0), random: random)
        #expect(bare.typingDuration == nil && bare.recordingDuration == nil)
        #expect(bare.steps.count == 3)
        let captioned = planner.plan(BehaviourRequest(kind: .document, textLength: 40), random: random)
        let typing = try #require(captioned.typingDuration)
        #expect(typing >= .milliseconds(2_400) && typing <= .milliseconds(4_000))
    }

    @Test("voice note without a duration records for the floor")
    func voiceWithoutDuration() {
        let plan = planner.plan(.voice(nil), random: SeededRandomSource(seed: 4))
        #expect(plan.recordingDuration == config.recordingFloor)
    }

    @Test("typing clamps: empty text → floor, very long text → ceiling")
    func typingClamps() {
        let random = SeededRandomSource(seed: 5)
        #expect(planner.typingTime(forCharacters: 0, random: random) == config.typingFloor)
        #expect(planner.typingTime(forCharacters: 1_000_000, random: random) == config.typingCeiling)
        #expect(planner.typingTime(forCharacters: Int.max, random: random) == config.typingCeiling)
    }

    @Test("a throttled instance rests longer between messages", arguments: [0.5, 0.25])
    func throttledGap(factor: Double) {
        let random = SeededRandomSource(seed: 6)
        for _ in 0..<500 {
            let gap = planner.gap(throttleFactor: factor, random: random)
            #expect(gap >= .seconds(2) / factor - .microseconds(1) && gap <= .seconds(5) / factor + .microseconds(1))
        }
    }

    @Test("configuration validation")
    func configurationValidation() throws {
        try BehaviourConfiguration.standard.validate()
        expectWAError(.invalidArgument) { try BehaviourConfiguration(typingFloor: .seconds(30)).validate() }
        expectWAError(.invalidArgument) { try BehaviourConfiguration(recordingFactor: 0...1).validate() }
        expectWAError(.invalidArgument) {
            try BehaviourConfiguration(gap: .seconds(-1) ... .seconds(1)).validate()
        }
    }
}
