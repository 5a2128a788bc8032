public import Foundation

/// A calendar day (proleptic Gregorian), the key of daily rollups.
///
/// A day key is computed for a given `TimeZone` (UTC by default): the instant's local wall-clock date in that zone,
/// with daylight-saving offsets taken at that instant. It is stored as a count of days since 1970-01-01, so keys
/// sort, subtract and step cheaply, and it encodes as the ISO 8601 date text `YYYY-MM-DD`.
public struct DayKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible,
    Strideable
{
    /// Days since 1970-01-01 (negative before it).
    public let daysSinceEpoch: Int

    /// The day with this index (0 is 1970-01-01).
    public init(daysSinceEpoch: Int) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// The local date of `date` in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone = .gmt) {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        daysSinceEpoch = Int((local / 86_400).rounded(.down))
    }

    /// The day with this year, month (1…12) and day (1…31); `nil` when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month) else {
            return nil
        }
        daysSinceEpoch = CivilTime.days(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD`; `nil` for anything else.
    public init?(_ description: String) {
        let parts = description.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Year, month (1…12) and day of month (1…31).
    public var components: (year: Int, month: Int, day: Int) { CivilTime.date(days: daysSinceEpoch) }

    /// The first instant of this day in `timeZone`.
    public func start(in timeZone: TimeZone = .gmt) -> Date {
        let utcMidnight = Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400)
        // Two passes settle the offset across a daylight-saving change.
        var guess = utcMidnight.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: utcMidnight)))
        guess = utcMidnight.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: guess)))
        return guess
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(abs(value))
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func < (lhs: DayKey, rhs: DayKey) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public func distance(to other: DayKey) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public func advanced(by n: Int) -> DayKey { DayKey(daysSinceEpoch: daysSinceEpoch + n) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = DayKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid day"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
