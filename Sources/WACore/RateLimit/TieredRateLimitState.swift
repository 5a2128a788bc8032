/// The GCRA state of one key under a ``TieredRateLimit``: one TAT per tier, stored inline (no allocation).
///
/// Holds up to ``capacity`` tiers. A tier with no history holds `Int64.min` nanoseconds, which — like any TAT at
/// or before `now` — means "fully rested".
public struct TieredRateLimitState: Sendable, Hashable {
    /// The most tiers a state (and a ``TieredRateLimit``) can hold.
    public static let capacity = 4

    private var t0: Int64 = .min
    private var t1: Int64 = .min
    private var t2: Int64 = .min
    private var t3: Int64 = .min

    /// A state with no history in any tier.
    public init() {}

    /// A state with the given TATs (`nil`: no history), at most ``capacity``.
    public init(tats: [RateLimitInstant?]) {
        precondition(tats.count <= Self.capacity, "at most \(Self.capacity) tiers")
        for (index, tat) in tats.enumerated() { self[index] = tat }
    }

    /// The TAT of tier `index`, or `nil` when the tier has no history.
    public subscript(index: Int) -> RateLimitInstant? {
        get {
            let raw = raw(index)
            return raw == .min ? nil : RateLimitInstant(nanosecondsSinceEpoch: raw)
        }
        set { setRaw(index, newValue?.nanosecondsSinceEpoch ?? .min) }
    }

    func raw(_ index: Int) -> Int64 {
        switch index {
        case 0: t0
        case 1: t1
        case 2: t2
        case 3: t3
        default: preconditionFailure("tier index out of range")
        }
    }

    mutating func setRaw(_ index: Int, _ value: Int64) {
        switch index {
        case 0: t0 = value
        case 1: t1 = value
        case 2: t2 = value
        case 3: t3 = value
        default: preconditionFailure("tier index out of range")
        }
    }

    /// From this instant on (the latest TAT) the state is equivalent to no state.
    public var expiresAt: RateLimitInstant {
        RateLimitInstant(nanosecondsSinceEpoch: Swift.max(Swift.max(t0, t1), Swift.max(t2, t3)))
    }
}
