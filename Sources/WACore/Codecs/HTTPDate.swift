public import Foundation

/// The HTTP-date format of RFC 9110 §5.6.7, as found in `Retry-After` and `Date` headers.
///
/// Parsing accepts the three forms a recipient must accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the
/// obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and ANSI C `asctime()` (`Sun Nov  6 08:49:37 1994`).
/// It is a fixed-format parser over ASCII: month and day names are English, matched case-insensitively, and no
/// `Locale` or `DateFormatter` is involved.
///
/// Hand-written because Foundation has no HTTP-date style: its ISO 8601 style does not apply, and a `DateFormatter`
/// pattern would cover one of the three forms and depend on locale settings.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let shortDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let shortDayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let longDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The instant an HTTP-date names, or `nil` when `text` is in none of the three forms.
    ///
    /// A two-digit RFC 850 year is read as 1970–2069.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var scanner = FixedFormatScanner(trimmed)
        let dayName = scanner.letters().lowercased()
        if scanner.skip(",") {
            guard scanner.skipSpaces() else { return nil }
            if shortDays.contains(dayName) {
                // IMF-fixdate: 06 Nov 1994 08:49:37 GMT
                guard let day = scanner.digits(2), scanner.skipSpaces(), let month = month(&scanner),
                    scanner.skipSpaces(), let year = scanner.digits(4), scanner.skipSpaces()
                else { return nil }
                return finish(&scanner, year: year, month: month, day: day)
            } else if longDays.contains(dayName) {
                // RFC 850: 06-Nov-94 08:49:37 GMT
                guard let day = scanner.digits(2), scanner.skip("-"), let month = month(&scanner), scanner.skip("-"),
                    let shortYear = scanner.digits(2), scanner.skipSpaces()
                else { return nil }
                let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
                return finish(&scanner, year: year, month: month, day: day)
            }
            return nil
        }
        // asctime: Nov  6 08:49:37 1994
        guard shortDays.contains(dayName), scanner.skipSpaces(), let month = month(&scanner), scanner.skipSpaces(),
            let day = scanner.digits(upTo: 2), scanner.skipSpaces(), let (hour, minute, second) = time(&scanner),
            scanner.skipSpaces(), let year = scanner.digits(4), scanner.isAtEnd,
            let seconds = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// `date` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form senders use; fractions are dropped.
    public static func string(from date: Date) -> String {
        let total = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = Int(total - days * 86_400)
        let civil = CivilTime.date(days: Int(days))
        // 1970-01-01 was a Thursday (index 3 in `shortDays`).
        let weekday = Int(((days % 7) + 7 + 3) % 7)
        var out = Array(shortDayNames[weekday].utf8)
        out += Array(", ".utf8)
        CivilTime.appendDigits(civil.day, width: 2, to: &out)
        out += Array(" \(monthNames[civil.month - 1]) ".utf8)
        CivilTime.appendDigits(max(0, min(9999, civil.year)), width: 4, to: &out)
        out.append(UInt8(ascii: " "))
        CivilTime.appendDigits(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(secondOfDay % 60, width: 2, to: &out)
        out += Array(" GMT".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    private static func month(_ scanner: inout FixedFormatScanner) -> Int? {
        let name = scanner.letters().lowercased()
        return months.firstIndex(of: name).map { $0 + 1 }
    }

    private static func time(_ scanner: inout FixedFormatScanner) -> (Int, Int, Int)? {
        guard let hour = scanner.digits(2), scanner.skip(":"), let minute = scanner.digits(2), scanner.skip(":"),
            let second = scanner.digits(2)
        else { return nil }
        return (hour, minute, second)
    }

    private static func finish(
        _ scanner: inout FixedFormatScanner, year: Int, month: Int, day: Int
    ) -> Date? {
        guard let (hour, minute, second) = time(&scanner), scanner.skipSpaces(), scanner.skip("GMT"), scanner.isAtEnd,
            let seconds = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }
}
