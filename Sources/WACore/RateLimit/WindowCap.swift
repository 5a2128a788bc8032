/// A hard cap: at most ``count`` events in any window of length ``window``, wherever the window starts.
///
/// Unlike a GCRA limit (``RateLimit``), which bounds a sustained rate and lets a rested key burst, a cap is exact:
/// "100 an hour" means that no 3,600 seconds, sliding, ever hold a 101st event. ``SendCaps`` checks several caps
/// against one ``SendLog``.
public struct WindowCap: Sendable, Hashable, Codable {
    /// The most events any window may hold (at least 1).
    public var count: Int
    /// The window's length (positive).
    public var window: Duration

    /// At most `count` events in any `window`.
    public init(count: Int, window: Duration) {
        self.count = count
        self.window = window
    }
}
