public import Foundation

extension Automation.BusinessHours {
    /// Minutes in a day: the largest closing minute.
    public static let minutesPerDay = 1_440

    /// Checks the schedule and returns it unchanged, or throws a typed error naming `field`'s part:
    ///
    /// - `time_zone` must be an identifier Foundation knows (`unknown_time_zone`);
    /// - `weekdays` must be a non-empty subset of 1…7 (ISO: 1 = Monday … 7 = Sunday);
    /// - `opens_at_minute` must be in 0…1439 and `closes_at_minute` in 0…1440, and they must differ.
    ///
    /// An opening minute after the closing minute is an overnight shift (see ``isOpen(at:)``); the other errors
    /// are `invalid_business_hours`.
    public func validated(field: String = "business_hours") throws(WAError) -> Self {
        guard TimeZone(identifier: timeZone) != nil else {
            throw WAError(.unknownTimeZone, "'\(timeZone)' is not a known time zone", field: field + ".time_zone")
        }
        guard !weekdays.isEmpty, weekdays.allSatisfy({ (1...7).contains($0) }) else {
            throw WAError(
                .invalidBusinessHours, "weekdays must be one or more of 1 (Monday) … 7 (Sunday)",
                field: field + ".weekdays")
        }
        guard (0..<Self.minutesPerDay).contains(opensAtMinute) else {
            throw WAError(
                .invalidBusinessHours, "the opening minute must be within 0…1439", field: field + ".opens_at_minute")
        }
        guard (0...Self.minutesPerDay).contains(closesAtMinute) else {
            throw WAError(
                .invalidBusinessHours, "the closing minute must be within 0…1440", field: field + ".closes_at_minute")
        }
        guard opensAtMinute != closesAtMinute else {
            throw WAError(
                .invalidBusinessHours, "opening and closing must differ", field: field + ".closes_at_minute")
        }
        return self
    }

    /// Whether the business is open at `date`, read as local wall-clock time in ``timeZone`` (Gregorian calendar).
    ///
    /// - Same-day hours (`opensAtMinute < closesAtMinute`): open on each listed weekday from the opening minute
    ///   (inclusive) to the closing minute (exclusive); `closesAtMinute == 1440` means until midnight.
    /// - Overnight hours (`opensAtMinute > closesAtMinute`, e.g. 22:00–06:00): the shift starts on a listed weekday
    ///   at the opening minute and runs into the next day until the closing minute. So with `weekdays == [5]`
    ///   (Friday) and 22:00–06:00, Friday 23:00 and Saturday 05:59 are open, Friday 05:00 is not.
    ///
    /// Returns `nil` when the time zone is unknown (a schedule that did not pass ``validated(field:)``).
    public func isOpen(at date: Date) -> Bool? {
        guard let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return nil }
        // Foundation counts 1 = Sunday … 7 = Saturday; ISO counts 1 = Monday … 7 = Sunday.
        let isoWeekday = (weekday + 5) % 7 + 1
        let previousISOWeekday = isoWeekday == 1 ? 7 : isoWeekday - 1
        let minuteOfDay = hour * 60 + minute
        if opensAtMinute < closesAtMinute {
            return weekdays.contains(isoWeekday) && minuteOfDay >= opensAtMinute && minuteOfDay < closesAtMinute
        }
        return (weekdays.contains(isoWeekday) && minuteOfDay >= opensAtMinute)
            || (weekdays.contains(previousISOWeekday) && minuteOfDay < closesAtMinute)
    }
}
