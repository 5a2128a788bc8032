public import Foundation

/// Thresholds that place contacts in ``EngagementSegment``s.
public struct EngagementPolicy: Sendable, Hashable, Codable {
    /// Active: an inbound message within this long (default 7 days).
    public var activeWindow: Duration
    /// Dormant: no inbound message for this long (default 30 days), having written before.
    public var dormantAfter: Duration
    /// Engaged: replied to at least this many (default 2) …
    public var engagedMinimumReplies: Int
    /// … of the last this many outbound messages (default 5, at most ``maximumLookback``).
    public var engagedLookback: Int

    /// The most recent outbound messages a store keeps per contact (``ContactActivity/storedRecentLimit``), and
    /// so the largest ``engagedLookback``: 32.
    public static let maximumLookback = ContactActivity.storedRecentLimit

    /// Thresholds (counts are at least 1; the lookback at most ``maximumLookback``).
    public init(
        activeWindow: Duration = .seconds(7 * 86_400), dormantAfter: Duration = .seconds(30 * 86_400),
        engagedMinimumReplies: Int = 2, engagedLookback: Int = 5
    ) {
        self.activeWindow = activeWindow
        self.dormantAfter = dormantAfter
        self.engagedMinimumReplies = Swift.max(1, engagedMinimumReplies)
        self.engagedLookback = Swift.min(Self.maximumLookback, Swift.max(1, engagedLookback))
    }

    /// Every segment `activity` is in at `now` (``EngagementSegment/occasional`` only when it is in no other).
    ///
    /// - `optedOut`: the contact opted out.
    /// - `active`: last inbound at most ``activeWindow`` before `now`.
    /// - `engaged`: at least ``engagedMinimumReplies`` of the last ``engagedLookback`` outbound messages were
    ///   replied to (``ContactActivity/recentLimit`` must be at least ``engagedLookback``).
    /// - `dormant`: has an inbound message, the last one at least ``dormantAfter`` before `now`.
    /// - `neverReplied`: at least one outbound message and no reply.
    /// - `new`: no message in either direction.
    public func segments(of activity: ContactActivity, asOf now: Date) -> Set<EngagementSegment> {
        var result = Set<EngagementSegment>()
        if activity.optedOut { result.insert(.optedOut) }
        if let last = activity.lastInboundAt {
            let silence = now.timeIntervalSince(last)
            if silence <= activeWindow.timeInterval { result.insert(.active) }
            if silence >= dormantAfter.timeInterval { result.insert(.dormant) }
        }
        let recentReplies = activity.recentOutbound.suffix(engagedLookback).filter(\.replied).count
        if recentReplies >= engagedMinimumReplies { result.insert(.engaged) }
        if activity.outboundCount >= 1 && activity.repliedCount == 0 { result.insert(.neverReplied) }
        if activity.outboundCount == 0 && activity.lastInboundAt == nil { result.insert(.new) }
        if result.isEmpty { result.insert(.occasional) }
        return result
    }

    /// The one segment that describes `activity` best, by precedence: opted-out, engaged, active, dormant,
    /// never-replied, new, occasional.
    public func primarySegment(of activity: ContactActivity, asOf now: Date) -> EngagementSegment {
        let segments = segments(of: activity, asOf: now)
        let order: [EngagementSegment] = [.optedOut, .engaged, .active, .dormant, .neverReplied, .new, .occasional]
        return order.first(where: segments.contains) ?? .occasional
    }

    /// How many of `activities` have each primary segment (every segment present, possibly with 0).
    public func summary(of activities: some Sequence<ContactActivity>, asOf now: Date) -> [EngagementSegment: Int] {
        var counts = Dictionary(uniqueKeysWithValues: EngagementSegment.allCases.map { ($0, 0) })
        for activity in activities { counts[primarySegment(of: activity, asOf: now), default: 0] += 1 }
        return counts
    }
}

extension EngagementPolicy {
    private enum CodingKeys: String, CodingKey {
        case activeWindow, dormantAfter, engagedMinimumReplies, engagedLookback
    }

    /// Decodes the windows as numbers of seconds, as they are encoded.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        activeWindow = .seconds(try container.decode(Double.self, forKey: .activeWindow))
        dormantAfter = .seconds(try container.decode(Double.self, forKey: .dormantAfter))
        engagedMinimumReplies = try container.decode(Int.self, forKey: .engagedMinimumReplies)
        engagedLookback = Swift.min(
            Self.maximumLookback, Swift.max(1, try container.decode(Int.self, forKey: .engagedLookback)))
    }

    /// Encodes the windows as numbers of seconds (`Duration`'s own encoding is a pair of attosecond words).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(activeWindow.timeInterval, forKey: .activeWindow)
        try container.encode(dormantAfter.timeInterval, forKey: .dormantAfter)
        try container.encode(engagedMinimumReplies, forKey: .engagedMinimumReplies)
        try container.encode(engagedLookback, forKey: .engagedLookback)
    }
}
