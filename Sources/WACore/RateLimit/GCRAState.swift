/// The whole state GCRA keeps for one key: its theoretical arrival time (TAT).
///
/// A TAT at or before `now` carries no information (the key is fully rested), so such a state may be dropped;
/// ``expiresAt`` is that instant.
public struct GCRAState: Sendable, Hashable {
    /// The theoretical arrival time: when the key will be fully rested.
    public var tat: RateLimitInstant

    /// A state with theoretical arrival time `tat`.
    public init(tat: RateLimitInstant) {
        self.tat = tat
    }

    /// From this instant on the state is equivalent to no state.
    public var expiresAt: RateLimitInstant { tat }
}
