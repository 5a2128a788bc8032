public import Foundation

/// A parsed `Retry-After` response header (RFC 9110 §10.2.3): a delay in seconds or an HTTP-date.
public enum RetryAfter: Sendable, Hashable, Codable {
    /// `Retry-After: 120`.
    case delay(Duration)
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
    case date(Date)

    /// Parses a header value: a non-negative integer number of seconds, or an HTTP-date in any of the three forms
    /// ``HTTPDate`` accepts; `nil` for anything else (the header is then ignored).
    public init?(headerValue: String) {
        let trimmed = headerValue.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Absurdly long digit strings saturate rather than fail: they mean "a very long time".
            self = .delay(.seconds(Int64(trimmed) ?? Int64.max / 1_000_000_000_000))
        } else if let date = HTTPDate.parse(trimmed) {
            self = .date(date)
        } else {
            return nil
        }
    }

    /// How long to wait from `now` (a date in the past means no wait).
    public func delay(from now: Date) -> Duration {
        switch self {
        case .delay(let duration):
            return max(duration, .zero)
        case .date(let date):
            let seconds = date.timeIntervalSince(now)
            return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded(.up))) : .zero
        }
    }
}
