/// How a contact engages with the organization. A contact can be in several segments at once
/// (``EngagementPolicy/segments(of:asOf:)``) and has one ``EngagementPolicy/primarySegment(of:asOf:)``.
public enum EngagementSegment: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Asked not to be messaged.
    case optedOut = "opted_out"
    /// Replied to at least `N` of the last `M` outbound messages.
    case engaged
    /// Sent an inbound message within the active window.
    case active
    /// Has written before, but not within the dormancy window.
    case dormant
    /// Received at least one outbound message and never replied.
    case neverReplied = "never_replied"
    /// Never messaged in either direction.
    case new
    /// None of the above (wrote between the active and dormant windows, replies less than the engaged bar).
    case occasional

    public var description: String { rawValue }
}
