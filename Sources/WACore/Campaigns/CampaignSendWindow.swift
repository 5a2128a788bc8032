public import Foundation

/// When a campaign may send, from its ``Campaign/Schedule``: not before ``startAt``, and never inside the daily
/// quiet hours of its time zone.
///
/// Quiet hours are whole local hours: `QuietHours(startHour: 21, endHour: 8)` is quiet from 21:00 until 08:00 the
/// next morning (the window may wrap midnight); `startHour == endHour` is rejected. Local times are computed with
/// the Gregorian calendar in the schedule's IANA time zone, so daylight-saving changes are honoured: on a day an
/// end hour does not exist (clocks jump over it), the window ends at the next time that does.
///
/// A pure value: every question takes the instant it is asked about.
public struct CampaignSendWindow: Sendable, Hashable {
    /// Not before this instant.
    public let startAt: Date?
    /// The daily quiet window, if any.
    public let quietHours: Campaign.QuietHours?
    /// The time zone quiet hours are read in.
    public let timeZone: TimeZone

    /// The window of `schedule`, or `invalid_argument` for an unknown time zone or quiet hours outside 0…23 (or
    /// with equal start and end).
    public init(_ schedule: Campaign.Schedule) throws(WAError) {
        guard let zone = TimeZone(identifier: schedule.timeZone) else {
            throw WAError.invalid("schedule.time_zone", "unknown time zone '\(schedule.timeZone)' (use an IANA name such as Europe/Berlin)")
        }
        if let quiet = schedule.quietHours {
            guard (0...23).contains(quiet.startHour), (0...23).contains(quiet.endHour) else {
                throw WAError.invalid("schedule.quiet_hours", "quiet hours are whole hours 0–23")
            }
            guard quiet.startHour != quiet.endHour else {
                throw WAError.invalid("schedule.quiet_hours", "quiet hours need different start and end hours")
            }
        }
        startAt = schedule.startAt
        quietHours = schedule.quietHours
        timeZone = zone
    }

    /// Checks `schedule` (see ``init(_:)``).
    public static func validate(_ schedule: Campaign.Schedule) throws(WAError) {
        _ = try CampaignSendWindow(schedule)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Whether `date` falls inside the quiet hours.
    public func isQuiet(at date: Date) -> Bool {
        guard let quiet = quietHours else { return false }
        let hour = calendar.component(.hour, from: date)
        if quiet.startHour < quiet.endHour {
            return hour >= quiet.startHour && hour < quiet.endHour
        }
        return hour >= quiet.startHour || hour < quiet.endHour
    }

    /// The earliest instant at or after `date` when sending is allowed: `date` itself, or the start time, or the
    /// end of the quiet window that instant falls in.
    public func nextSendTime(atOrAfter date: Date) -> Date {
        var candidate = max(date, startAt ?? date)
        if isQuiet(at: candidate), let end = quietEnd(after: candidate) { candidate = end }
        return candidate
    }

    /// The first instant after `date` at which the local hour is the quiet end hour (`nil` without quiet hours).
    public func quietEnd(after date: Date) -> Date? {
        guard let quiet = quietHours else { return nil }
        return next(hour: quiet.endHour, after: date)
    }

    /// The next start of the quiet window strictly after `date` (`nil` without quiet hours).
    public func nextQuietStart(after date: Date) -> Date? {
        guard let quiet = quietHours else { return nil }
        return next(hour: quiet.startHour, after: date)
    }

    private func next(hour: Int, after date: Date) -> Date? {
        calendar.nextDate(
            after: date, matching: DateComponents(hour: hour, minute: 0, second: 0), matchingPolicy: .nextTime,
            repeatedTimePolicy: .first, direction: .forward)
    }
}
