import Foundation

extension Duration {
    /// The duration in whole microseconds (truncated toward zero), the resolution the anti-ban planner works in.
    var antiBanMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// A uniformly random duration in `range` (microsecond resolution), drawn from `random`.
    static func antiBanUniform(in range: ClosedRange<Duration>, using random: any RandomSource) -> Duration {
        let low = range.lowerBound.antiBanMicroseconds
        let high = range.upperBound.antiBanMicroseconds
        guard high > low else { return .microseconds(low) }
        var generator = random.generator
        return .microseconds(Int64.random(in: low...high, using: &generator))
    }
}
