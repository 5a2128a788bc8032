import Foundation
import OpenAPIRuntime
import WACore

/// Dates in the API as the webhooks write them: RFC 3339 in UTC with milliseconds out
/// (`2026-01-01T00:00:00.000Z`), any RFC 3339 `date-time` in (with or without a fraction, any offset).
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        RFC3339Timestamp.string(from: date)
    }

    func decode(_ text: String) throws -> Date {
        guard let date = RFC3339Timestamp.date(from: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 date-time"))
        }
        return date
    }
}
