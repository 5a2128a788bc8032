/// Which event types an endpoint receives: a list of exact names and wildcard patterns.
///
/// Pattern grammar (segments separated by `.`):
/// - `*` alone matches every event;
/// - an exact name (`message.received`) matches that name only;
/// - a `*` segment matches exactly one segment (`*.failed` matches `message.failed`), except as the last segment,
///   where it matches one or more (`message.*` matches `message.received`; `automation.*` matches
///   `automation.crm.lead_won`). `message.*` does not match a bare `message`.
///
/// A filter matches when any of its patterns does. An empty filter matches every event, as
/// ``WebhookEndpoint/eventFilters`` documents.
public struct WebhookEventFilter: Sendable, Hashable {
    /// The patterns, as given.
    public let patterns: [String]
    private let compiled: [[Substring]]
    private let matchesAll: Bool

    /// A filter from `patterns`, validating each, or throws ``WAError/Code-swift.enum/invalidEventFilter`` naming
    /// the offending index (`eventFilters[2]`).
    public init(patterns: [String]) throws(WAError) {
        for (index, pattern) in patterns.enumerated() where !Self.isValidPattern(pattern) {
            throw WAError(
                .invalidEventFilter,
                "event filter must be '*', an event name, or a name with '*' segments (e.g. message.*)",
                field: "eventFilters[\(index)]")
        }
        self.init(trusted: patterns)
    }

    /// A filter from already validated patterns (e.g. read back from storage). Invalid patterns never match.
    public init(trusted patterns: [String]) {
        self.patterns = patterns
        compiled = patterns.map { $0.split(separator: ".", omittingEmptySubsequences: false) }
        matchesAll = patterns.isEmpty || patterns.contains("*")
    }

    /// The filter that matches every event.
    public static let all = WebhookEventFilter(trusted: [])

    /// Whether `type` passes the filter.
    public func matches(_ type: WebhookEventType) -> Bool {
        if matchesAll { return true }
        let segments = type.rawValue.split(separator: ".", omittingEmptySubsequences: false)
        return compiled.contains { Self.match(pattern: $0, segments: segments) }
    }

    /// Whether `pattern` follows the grammar.
    public static func isValidPattern(_ pattern: String) -> Bool {
        if pattern == "*" { return true }
        guard pattern.utf8.count <= 128 else { return false }
        let segments = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return false }
        return segments.allSatisfy { $0 == "*" || WebhookEventType.isValidSegment($0) }
    }

    private static func match(pattern: [Substring], segments: [Substring]) -> Bool {
        for (index, part) in pattern.enumerated() {
            let isLast = index == pattern.count - 1
            if part == "*" && isLast { return segments.count > index }
            guard index < segments.count else { return false }
            if part != "*" && part != segments[index] { return false }
        }
        return pattern.count == segments.count
    }
}

extension WebhookEndpoint {
    /// The endpoint's ``eventFilters`` as a matcher (patterns are assumed validated when they were stored).
    public var eventFilter: WebhookEventFilter { WebhookEventFilter(trusted: eventFilters) }

    /// Whether an event of `type` should be delivered here now: the endpoint is enabled and its filter matches.
    public func shouldReceive(_ type: WebhookEventType) -> Bool {
        isEnabled && eventFilter.matches(type)
    }
}
