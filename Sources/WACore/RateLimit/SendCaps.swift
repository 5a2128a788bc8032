/// An account's hard send caps: for each ``WindowCap``, at most `count` sends in any window of its length —
/// exactly, over sliding windows, decided from the account's ``SendLog``.
///
/// ```swift
/// let caps = try SendCaps(InstanceRateLimits.standard)     // 20 a minute, 100 an hour, 1,000 a day
/// var state: SendPacingState? = nil
/// switch caps.evaluate(&state, now: now) {
/// case .allowed(let status): print("remaining in the tightest window", status.remaining)
/// case .limited(let retryAfter, let status): print("cap", status.tier, "frees a slot in", retryAfter as Any)
/// }
/// ```
///
/// The caps are the numbers in force: configured, warm-up and throttle are applied before (``SendLimits``).
/// A cap of `n` is full exactly when the account's `n`-th most recent send lies inside the window, and it frees
/// a slot the moment that send leaves it, so every decision is exact and costs one look into the log per cap.
/// Nothing is smoothed here: a rested account may send a cap's whole count at once, as far as the caps go. The
/// spacing between sends is the behaviour plan's pause (``SendPacingState/notBefore``), which
/// ``SendAdmission`` checks beside the caps.
public struct SendCaps: Sendable, Hashable {
    /// The caps, at least one.
    public let caps: [WindowCap]

    /// Caps checked together.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` without caps, or for a cap whose count is not
    ///   positive or whose window is not positive.
    public init(_ caps: [WindowCap]) throws(WAError) {
        guard !caps.isEmpty else { throw WAError(.invalidArgument, "send caps need at least one cap", field: "caps") }
        for cap in caps {
            guard cap.count >= 1 else { throw WAError.invalid("caps", "a cap's count must be at least 1") }
            guard cap.window > .zero else { throw WAError.invalid("caps", "a cap's window must be positive") }
        }
        self.caps = caps
    }

    /// The three anti-ban caps of an instance: `perMinute` in any 60 s, `perHour` in any 3,600 s and `perDay` in
    /// any 86,400 s.
    ///
    /// - Throws: ``WAError/Code-swift.enum/invalidArgument`` when a count is zero or negative.
    public init(_ limits: InstanceRateLimits) throws(WAError) {
        try self.init([
            WindowCap(count: limits.perMinute, window: .seconds(60)),
            WindowCap(count: limits.perHour, window: .seconds(3_600)),
            WindowCap(count: limits.perDay, window: .seconds(86_400)),
        ])
    }

    /// The longest window: how long a send stays relevant.
    public var longestWindow: Duration { caps.map(\.window).max() ?? .zero }

    /// The largest count: how many sends the log must keep.
    public var largestCount: Int { caps.map(\.count).max() ?? 1 }

    /// Whether `quantity` more sends at `now` pass every cap, without recording anything. The status is the
    /// binding cap's: when refused, the one that frees up last (a quantity above a cap's count can never pass);
    /// when allowed, the one with the fewest sends left.
    ///
    /// - Precondition: `quantity >= 1`.
    public func decide(_ state: SendPacingState?, now: RateLimitInstant, quantity: Int = 1) -> RateLimitDecision {
        precondition(quantity >= 1, "a send decision is about at least one send")
        var combined: RateLimitDecision?
        for (index, cap) in caps.enumerated() {
            var decision = Self.decide(cap, state?.log, now: now, quantity: quantity)
            decision.setTier(index)
            combined = combined.map { $0.mostRestrictive(decision) } ?? decision
        }
        return combined ?? .allowed(RateLimitStatus(limit: 0, remaining: 0, resetAfter: .zero))
    }

    /// Decides like ``decide(_:now:quantity:)`` and, when allowed, records the sends at `now`.
    @discardableResult
    public func evaluate(_ state: inout SendPacingState?, now: RateLimitInstant, quantity: Int = 1)
        -> RateLimitDecision
    {
        let decision = decide(state, now: now, quantity: quantity)
        if decision.isAllowed { record(&state, now: now, quantity: quantity) }
        return decision
    }

    /// Records `quantity` sends at `now` that ``decide(_:now:quantity:)`` allowed (the log grows to
    /// ``largestCount`` if the caps grew).
    func record(_ state: inout SendPacingState?, now: RateLimitInstant, quantity: Int) {
        var current = state ?? SendPacingState(log: SendLog(capacity: largestCount), horizon: longestWindow)
        state = nil  // the log's storage is now referenced once, so recording does not copy it
        if current.log.capacity < largestCount { current.log = current.log.resized(to: largestCount) }
        for _ in 0..<quantity { current.log.record(now) }
        current.horizon = Swift.max(current.horizon, longestWindow)
        state = current
    }

    /// One cap: after `quantity` more sends, the window ending at `now` must hold at most `cap.count`, which is
    /// so exactly when the `(count − quantity + 1)`-th most recent send is outside it (at or before
    /// `now − window`); that send leaves the window at its own instant plus the window.
    private static func decide(_ cap: WindowCap, _ log: SendLog?, now: RateLimitInstant, quantity: Int)
        -> RateLimitDecision
    {
        let windowStart = now - cap.window
        let inWindow = log?.count(after: windowStart) ?? 0
        let resetAfter = log?.latest.map { Swift.max(.zero, ($0 + cap.window) - now) } ?? .zero
        guard quantity <= cap.count else {
            return .limited(retryAfter: nil, RateLimitStatus(limit: cap.count, remaining: 0, resetAfter: resetAfter))
        }
        if let blocking = log?.recent(cap.count - quantity + 1), blocking > windowStart {
            let remaining = Swift.max(0, cap.count - inWindow)
            return .limited(
                retryAfter: (blocking + cap.window) - now,
                RateLimitStatus(limit: cap.count, remaining: remaining, resetAfter: resetAfter))
        }
        // Once these sends are recorded, the window is rested a whole window from now.
        return .allowed(
            RateLimitStatus(limit: cap.count, remaining: cap.count - inWindow - quantity, resetAfter: cap.window))
    }
}
