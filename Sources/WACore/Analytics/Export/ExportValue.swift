public import Foundation

/// One cell of an export. Encoders decide the text: CSV writes numbers and booleans plainly, dates as ISO 8601
/// (UTC, milliseconds) and `null` as an empty field; JSON Lines writes the matching JSON types.
public enum ExportValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    /// A number; non-finite values export as empty / `null`.
    case number(Double)
    case bool(Bool)
    case date(Date)
    case null

    /// `.text(value)` or `.null` when `value` is `nil`.
    public static func optional(_ value: String?) -> ExportValue { value.map(ExportValue.text) ?? .null }

    /// `.date(value)` or `.null` when `value` is `nil`.
    public static func optional(_ value: Date?) -> ExportValue { value.map(ExportValue.date) ?? .null }

    /// `.integer(value)` or `.null` when `value` is `nil`.
    public static func optional(_ value: Int?) -> ExportValue { value.map { .integer(Int64($0)) } ?? .null }

    /// `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC; milliseconds rounded down).
    public static func iso8601(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (days, rest) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let dayMillis = rest < 0 ? rest + 86_400_000 : rest
        let day = DayKey(daysSinceEpoch: Int(rest < 0 ? days - 1 : days))
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
        }
        let h = dayMillis / 3_600_000
        let m = dayMillis / 60_000 % 60
        let s = dayMillis / 1000 % 60
        let ms = dayMillis % 1000
        return "\(day)T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
    }

    /// The shortest text that reads back as `value`, or `nil` for infinities and NaN.
    static func numberText(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
