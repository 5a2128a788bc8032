public import Foundation

/// The timestamp format of webhook payloads: RFC 3339 in UTC with exactly three fraction digits,
/// `2026-01-01T00:00:00.000Z`.
///
/// The text is produced from integer arithmetic (no `DateFormatter`, no locale), so the same `Date` always gives
/// the same bytes. Sub-millisecond precision is rounded to the nearest millisecond. Years outside 0000–9999 cannot
/// be written in RFC 3339 and are clamped to that range.
///
/// Hand-written because `Date.ISO8601FormatStyle` is not exact for these timestamps: it truncates the fraction
/// instead of rounding (so `1_767_225_600.123`, stored as `…0.12299…`, prints as `.122`), switches to the Julian
/// calendar before 1582, and its parser rejects the `t`, `z` and space forms RFC 3339 allows. The test vectors in
/// `WebhookTimestampTests` include those cases.
public enum RFC3339Timestamp {
    /// `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    ///
    /// ```swift
    /// RFC3339Timestamp.string(from: Date(timeIntervalSince1970: 1_767_225_600.5))  // "2026-01-01T00:00:00.500Z"
    /// ```
    public static func string(from date: Date) -> String {
        String(decoding: bytes(from: date), as: UTF8.self)
    }

    /// The UTF-8 bytes of ``string(from:)``.
    public static func bytes(from date: Date) -> [UInt8] {
        // 0000-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z in milliseconds since the epoch.
        let lowest = -62_167_219_200_000.0
        let highest = 253_402_300_799_999.0
        let millisecondsDouble = (date.timeIntervalSince1970 * 1000).rounded(.toNearestOrEven)
        let milliseconds = Int64(min(max(millisecondsDouble.isNaN ? 0 : millisecondsDouble, lowest), highest))
        let (secondsSinceEpoch, millis) = floorDivide(milliseconds, 1000)
        let (days, secondOfDay) = floorDivide(secondsSinceEpoch, 86_400)
        let civil = CivilTime.date(days: Int(days))
        var out = [UInt8]()
        out.reserveCapacity(24)
        CivilTime.appendDigits(civil.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        CivilTime.appendDigits(civil.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        CivilTime.appendDigits(civil.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        CivilTime.appendDigits(Int(secondOfDay / 3600), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(Int(secondOfDay / 60 % 60), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(Int(secondOfDay % 60), width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        CivilTime.appendDigits(Int(millis), width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return out
    }

    /// Parses an RFC 3339 `date-time` (`2026-01-01T00:00:00Z`, `…T00:00:00.123456+02:00`; `t`/`z` and a space
    /// separator accepted), or returns `nil`. Fractions beyond nanoseconds are truncated.
    public static func date(from text: String) -> Date? {
        var scanner = FixedFormatScanner(text)
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
            let day = scanner.digits(2), scanner.skip(anyOf: "Tt "), let hour = scanner.digits(2), scanner.skip(":"),
            let minute = scanner.digits(2), scanner.skip(":"), let second = scanner.digits(2),
            let base = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") {
            var scale = 0.1
            var count = 0
            while let digit = scanner.digits(1) {
                if count < 9 { fraction += Double(digit) * scale }
                scale /= 10
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offset = 0
        if scanner.skip(anyOf: "Zz") {
            offset = 0
        } else if let sign = scanner.sign(), let hours = scanner.digits(2), scanner.skip(":"),
            let minutes = scanner.digits(2), hours < 24, minutes < 60
        {
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard scanner.isAtEnd else { return nil }
        return Date(timeIntervalSince1970: Double(base - Int64(offset)) + fraction)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }
}
