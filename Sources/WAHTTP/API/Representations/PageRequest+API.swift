import WACore
import struct Foundation.TimeZone
import WAOpenAPI

extension PageRequest {
    /// The page a list operation's `limit`, `cursor` and `order` query parameters ask for (WACore validates the
    /// limit's range and the cursor's form).
    init(limit: Int?, cursor: String?, order: String?) throws {
        let sortOrder: SortOrder
        switch order {
        case nil, "desc": sortOrder = .newestFirst
        case "asc": sortOrder = .oldestFirst
        default: throw WAError.invalid("order", "order must be asc or desc")
        }
        try self.init(
            limit: limit ?? 50, cursor: try cursor.map { try Cursor(parsing: $0) }, order: sortOrder)
    }
}

/// Parsing of identifiers and other values that arrive as strings, naming the field that was wrong.
enum APIInput {
    static func id<Entity>(_ text: String, field: String) throws -> Identifier<Entity> {
        try Identifier<Entity>(parsing: text, field: field)
    }

    /// A body in a content type the document does not list (the runtime refuses those before a handler runs).
    static let unsupportedBody = WAError(.unsupportedContentType, "the operation does not accept this content type")

    /// `text` when it has at most `maxLength` characters as JSON Schema counts them (Unicode code points): the
    /// generated decoder checks types, not lengths, so an operation whose document states a `maxLength` enforces it
    /// here, with `invalid_argument` naming the field.
    static func text(_ text: String, field: String, maxLength: Int) throws -> String {
        guard text.unicodeScalars.count <= maxLength else {
            throw WAError.invalid(field, "at most \(maxLength) characters")
        }
        return text
    }

    /// The longest time zone name the document allows anywhere (`time_zone` parameters, campaign schedules,
    /// automation business hours).
    static let maximumTimeZoneLength = 64

    /// The IANA time zone named `text` (`Europe/Berlin`, `UTC`); `nil` text is UTC.
    static func timeZone(_ text: String?, field: String = "time_zone") throws -> TimeZone {
        guard let text else { return .gmt }
        let name = try Self.text(text, field: field, maxLength: maximumTimeZoneLength)
        guard let zone = TimeZone(identifier: name) else {
            throw WAError.invalid(field, "not a time zone this server knows; use an IANA name such as Europe/Berlin")
        }
        return zone
    }

    /// The calendar day `text` (`YYYY-MM-DD`).
    static func day(_ text: String, field: String) throws -> DayKey {
        guard let day = DayKey(text) else { throw WAError.invalid(field, "a day is written YYYY-MM-DD") }
        return day
    }

    static func phone(_ text: String, field: String) throws -> PhoneNumber {
        do {
            return try PhoneNumber(text)
        } catch var error {
            error.field = field
            throw error
        }
    }
}
