/// Which end of the time-ordered identifiers a list starts from.
public enum SortOrder: String, Sendable, Hashable, Codable {
    /// Oldest first (ascending identifiers).
    case oldestFirst = "asc"
    /// Newest first (descending identifiers); the default for lists.
    case newestFirst = "desc"
}

/// An opaque position in a list: "continue after this record". Cursors stay valid while records are inserted or
/// deleted (unlike offsets) and are cheap for every store (an index range scan on the identifier).
public struct Cursor: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// The last record's identifier bits.
    public let high: UInt64
    public let low: UInt64
    public let order: SortOrder

    /// A cursor positioned after the record with `id` in `order`.
    public init<Entity>(after id: Identifier<Entity>, order: SortOrder) {
        high = id.high
        low = id.low
        self.order = order
    }

    /// The text form handed to API clients (`"a0190b7c17e4c70008000000000000000"`-like).
    public var description: String {
        (order == .oldestFirst ? "a" : "d") + Self.hex(high) + Self.hex(low)
    }

    /// Parses the text form; `nil` for anything else.
    public init?(_ description: String) {
        let utf8 = Array(description.utf8)
        guard utf8.count == 33, let first = utf8.first, first == UInt8(ascii: "a") || first == UInt8(ascii: "d"),
            let high = UInt64(String(decoding: utf8[1..<17], as: UTF8.self), radix: 16),
            let low = UInt64(String(decoding: utf8[17..<33], as: UTF8.self), radix: 16),
            utf8[1...].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.high = high
        self.low = low
        self.order = first == UInt8(ascii: "a") ? .oldestFirst : .newestFirst
    }

    /// Parses a client-supplied cursor or throws ``WAError/Code-swift.enum/invalidCursor``.
    public init(parsing text: String, field: String = "cursor") throws(WAError) {
        guard let cursor = Cursor(text) else { throw WAError(.invalidCursor, "the cursor is not valid", field: field) }
        self = cursor
    }

    /// The identifier the cursor points after.
    public func position<Entity>(_: Entity.Type = Entity.self) -> Identifier<Entity> {
        Identifier(high: high, low: low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let cursor = Cursor(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid cursor"))
        }
        self = cursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Which page of a list to return.
public struct PageRequest: Sendable, Hashable {
    /// The largest page any list returns.
    public static let maximumLimit = 500
    /// Items per page, 1 … ``maximumLimit``.
    public let limit: Int
    /// Continue after this position; `nil` for the first page.
    public let cursor: Cursor?
    public let order: SortOrder

    /// A page request; a cursor's own order wins over `order`, so a client cannot flip direction mid-list.
    public init(limit: Int = 50, cursor: Cursor? = nil, order: SortOrder = .newestFirst) throws(WAError) {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw WAError(.invalidArgument, "limit must be between 1 and \(Self.maximumLimit)", field: "limit")
        }
        self.limit = limit
        self.cursor = cursor
        self.order = cursor?.order ?? order
    }

    private init(uncheckedLimit limit: Int, order: SortOrder) {
        self.limit = limit
        self.cursor = nil
        self.order = order
    }

    /// The first 50, newest first.
    public static let first = PageRequest(uncheckedLimit: 50, order: .newestFirst)

    /// Every record in one page, oldest first (up to ``maximumLimit``); for small, bounded lists.
    public static let all = PageRequest(uncheckedLimit: maximumLimit, order: .oldestFirst)
}

/// One page of a list and where the next one starts.
public struct Page<Element: Sendable>: Sendable {
    public var items: [Element]
    /// Pass this back to get the next page; `nil` when this is the last page.
    public var nextCursor: Cursor?

    public init(items: [Element], nextCursor: Cursor?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Element: Equatable {}
