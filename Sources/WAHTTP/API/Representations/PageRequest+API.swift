import WACore
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

    static func phone(_ text: String, field: String) throws -> PhoneNumber {
        do {
            return try PhoneNumber(text)
        } catch var error {
            error.field = field
            throw error
        }
    }
}
