/// A campaign's funnel: targeted → sent → delivered → read → replied, with conversion per step.
///
/// Each stage's count includes everything that went further (a read message was also delivered and sent), so for
/// consistent input the counts never increase along the funnel.
public struct CampaignFunnel: Sendable, Hashable, Codable {
    /// The funnel's stages, in order.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
        /// Recipients the campaign was meant to reach (its audience size).
        case targeted
        case sent
        case delivered
        case read
        case replied
    }

    /// One stage with its conversions.
    public struct Step: Sendable, Hashable, Codable {
        /// The stage.
        public var stage: Stage
        /// How many recipients or messages reached the stage.
        public var count: Int
        /// `count` divided by the previous stage's count; `nil` for the first stage or when that count is 0.
        public var conversionFromPrevious: Double?
        /// `count` divided by the targeted count; `nil` when nothing was targeted.
        public var conversionFromStart: Double?

        /// How many of the previous stage did not reach this one (0 for the first stage).
        public var dropOff: Int

        /// A step with the given values.
        public init(
            stage: Stage, count: Int, conversionFromPrevious: Double?, conversionFromStart: Double?, dropOff: Int
        ) {
            self.stage = stage
            self.count = count
            self.conversionFromPrevious = conversionFromPrevious
            self.conversionFromStart = conversionFromStart
            self.dropOff = dropOff
        }
    }

    /// The steps, one per ``Stage`` in order.
    public let steps: [Step]

    /// The funnel for `targeted` recipients and the campaign's message `counts` (from its rollups).
    public init(targeted: Int, counts: MessageCounts) {
        self.init(counts: [targeted, counts.sent, counts.delivered, counts.read, counts.replied])
    }

    /// The funnel of a campaign's own progress counters (`total` is the targeted count).
    public init(progress: Campaign.Progress) {
        self.init(counts: [progress.total, progress.sent, progress.delivered, progress.read, progress.replied])
    }

    private init(counts: [Int]) {
        var steps: [Step] = []
        for (index, stage) in Stage.allCases.enumerated() {
            let count = counts[index]
            steps.append(
                Step(
                    stage: stage, count: count,
                    conversionFromPrevious: index == 0 ? nil : MessageRates.ratio(count, counts[index - 1]),
                    conversionFromStart: MessageRates.ratio(count, counts[0]),
                    dropOff: index == 0 ? 0 : Swift.max(0, counts[index - 1] - count)))
        }
        self.steps = steps
    }

    /// The step for `stage`.
    public subscript(stage: Stage) -> Step {
        steps[Stage.allCases.firstIndex(of: stage)!]
    }
}
