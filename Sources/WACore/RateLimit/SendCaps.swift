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
/// a slot the moment that send leaves it, so every decision is exact; each cap counts its window from where its
/// previous decision left off (``SendLog/count(after:cursor:)``), a few neighbouring slots of the log.
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
        var copy = state
        return decide(&copy, now: now, quantity: quantity)
    }

    /// Decides like ``decide(_:now:quantity:)``, leaving the log's search cursors where this decision's searches
    /// ended so that the next decision starts from there (the log's events are not changed).
    func decide(_ state: inout SendPacingState?, now: RateLimitInstant, quantity: Int) -> RateLimitDecision {
        precondition(quantity >= 1, "a send decision is about at least one send")
        var combined: RateLimitDecision?
        for index in caps.indices {
            var decision = Self.decide(caps[index], cursor: index, &state, now: now, quantity: quantity)
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
        let decision = decide(&state, now: now, quantity: quantity)
        if decision.isAllowed { record(&state, now: now, quantity: quantity) }
        return decision
    }

    /// Records `quantity` sends at `now` that ``decide(_:now:quantity:)`` allowed (the log grows to
    /// ``largestCount`` if the caps grew).
    func record(_ state: inout SendPacingState?, now: RateLimitInstant, quantity: Int) {
        // Changed in place (`state!`), so the log's storage stays referenced once and is never copied.
        if state == nil { state = SendPacingState(log: SendLog(capacity: largestCount), horizon: longestWindow) }
        if state!.log.capacity < largestCount { state!.log = state!.log.resized(to: largestCount) }
        for _ in 0..<quantity { state!.log.record(now) }
        if state!.horizon < longestWindow { state!.horizon = longestWindow }
    }

    /// One cap: after `quantity` more sends, the window ending at `now` must hold at most `cap.count`, so the
    /// sends pass exactly when the window now holds at most `count − quantity`. When it holds more, the
    /// `(count − quantity + 1)`-th most recent send is inside it and is the one whose leaving frees the slot.
    private static func decide(
        _ cap: WindowCap, cursor: Int, _ state: inout SendPacingState?, now: RateLimitInstant, quantity: Int
    ) -> RateLimitDecision {
        guard quantity <= cap.count else {
            let resetAfter = state?.log.latest.map { Swift.max(.zero, ($0 + cap.window) - now) } ?? .zero
            return .limited(retryAfter: nil, RateLimitStatus(limit: cap.count, remaining: 0, resetAfter: resetAfter))
        }
        let inWindow = state?.log.count(after: now - cap.window, cursor: cursor) ?? 0
        if inWindow + quantity > cap.count, let log = state?.log, let blocking = log.recent(cap.count - quantity + 1),
            let latest = log.latest
        {
            return .limited(
                retryAfter: (blocking + cap.window) - now,
                RateLimitStatus(
                    limit: cap.count, remaining: Swift.max(0, cap.count - inWindow),
                    resetAfter: (latest + cap.window) - now))
        }
        // Once these sends are recorded, the window is rested a whole window from now.
        return .allowed(
            RateLimitStatus(limit: cap.count, remaining: cap.count - inWindow - quantity, resetAfter: cap.window))
    }
}
