import WACore

/// How much time a row of `message_rollups` (and of `message_rollup_latencies`) covers: a quarter-hour slot
/// (``WACore/RollupSlot``), the UTC hour that holds it, or the UTC day (migration `0005_rollup_spans`).
///
/// Every increment is filed at all three spans, so a read can cover a run of slots with the coarsest rows that fit
/// inside it (``cover(from:to:)``): a UTC day is one row per key instead of 96.
enum RollupSpan: Int, CaseIterable, Comparable, Sendable {
    case quarterHour = 900
    case hour = 3_600
    case day = 86_400

    /// Seconds covered.
    var seconds: Int64 { Int64(rawValue) }

    /// The start of the row of this span that holds the slot starting at `slotStart` (rounded down, also before
    /// 1970).
    func start(containing slotStart: Int64) -> Int64 {
        let remainder = slotStart % seconds
        return remainder < 0 ? slotStart - remainder - seconds : slotStart - remainder
    }

    static func < (lhs: RollupSpan, rhs: RollupSpan) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A run of rows of one span: those starting at or after `lowerBound` and before `upperBound`.
    struct Run: Sendable, Hashable {
        var span: RollupSpan
        var lowerBound: Int64
        var upperBound: Int64
    }

    /// The fewest runs of rows that together cover the slots starting in `start..<end` exactly, each slot once:
    /// quarter-hours up to the first whole hour, hours up to the first UTC midnight, days, then hours and
    /// quarter-hours to the end. `start` and `end` are slot starts (multiples of 900 seconds); empty when
    /// `end <= start`.
    static func cover(from start: Int64, to end: Int64) -> [Run] {
        precondition(start % quarterHour.seconds == 0 && end % quarterHour.seconds == 0, "bounds must be slot starts")
        var runs: [Run] = []
        var cursor = start
        while cursor < end {
            let span = allCases.reversed().first { $0.start(containing: cursor) == cursor && cursor + $0.seconds <= end }!
            if let last = runs.last, last.span == span, last.upperBound == cursor {
                runs[runs.count - 1].upperBound = cursor + span.seconds
            } else {
                runs.append(Run(span: span, lowerBound: cursor, upperBound: cursor + span.seconds))
            }
            cursor += span.seconds
        }
        return runs
    }
}
