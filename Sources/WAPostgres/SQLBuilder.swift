import Foundation
import NIOCore
import PostgresNIO
import WACore

/// A statement assembled from trusted SQL text and bound values: every value goes in as a parameter (`$1`, `$2`,
/// …), never into the text, so nothing a client writes can change a statement.
///
/// Text is stored and compared as it is, byte for byte, with one exception PostgreSQL imposes: neither `text` nor
/// `jsonb` can hold U+0000 (NUL). A statement with a bound value holding it is refused here, as `invalid_argument`,
/// before it reaches the server (``query``), so nothing is written and the transaction goes on.
struct SQLBuilder: Sendable {
    private(set) var sql: String
    private var binds = PostgresBindings()
    /// Whether a bound value holds U+0000 (``SQLValue/holdsNUL``).
    private var holdsNUL = false

    /// A statement starting with `sql`.
    init(_ sql: String = "") {
        self.sql = sql
    }

    /// Appends trusted SQL text (table and column names, keywords: never a value).
    mutating func append(_ text: String) {
        sql += text
    }

    /// Binds `value` as the next parameter and returns its placeholder (with a `::jsonb` cast for JSON).
    mutating func bind(_ value: SQLValue) -> String {
        if value.holdsNUL { holdsNUL = true }
        switch value {
        case .uuid(let value): binds.append(value)
        case .text(let value): binds.append(value)
        case .integer(let value): binds.append(value)
        case .double(let value): binds.append(value)
        case .integers(let value): binds.append(value)
        case .doubles(let value): binds.append(value)
        case .dates(let value): binds.append(value)
        case .booleans(let value): binds.append(value)
        case .bytes(let value): binds.append(ByteBuffer(bytes: value))
        case .bytesArray(let value): binds.append(value.map { ByteBuffer(bytes: $0) })
        case .boolean(let value): binds.append(value)
        case .date(let value): binds.append(value)
        case .uuids(let value): binds.append(value)
        case .texts(let value): binds.append(value)
        case .json(let value): binds.append(value)
        }
        let placeholder = "$\(binds.count)"
        if case .json = value { return placeholder + "::jsonb" }
        return placeholder
    }

    /// Binds `value` and appends its placeholder.
    mutating func append(bound value: SQLValue) {
        let placeholder = bind(value)
        sql += placeholder
    }

    /// Appends ` AND <column> = <value>` (or `IS NULL` for a missing value).
    mutating func whereEqual(_ column: String, _ value: SQLValue) {
        if value.isNull {
            append(" AND \(column) IS NULL")
        } else {
            append(" AND \(column) = \(bind(value))")
        }
    }

    /// Fails with `invalid_argument` when a bound value holds U+0000 (NUL), which PostgreSQL cannot store: a
    /// repository that writes in several statements checks its main statement so before writing anything.
    func requireStorable() throws(WAError) {
        if holdsNUL { throw WAError(.invalidArgument, "text cannot contain the character U+0000 (NUL)") }
    }

    /// The statement to send; `invalid_argument` when a bound value holds U+0000 (``requireStorable()``).
    var query: PostgresQuery {
        get throws(WAError) {
            try requireStorable()
            return PostgresQuery(unsafeSQL: sql, binds: binds)
        }
    }
}

extension SQLValue {
    /// Whether the value is SQL `NULL`.
    var isNull: Bool {
        switch self {
        case .uuid(let value): value == nil
        case .text(let value): value == nil
        case .integer(let value): value == nil
        case .double(let value): value == nil
        case .boolean(let value): value == nil
        case .date(let value): value == nil
        case .uuids, .texts, .integers, .doubles, .dates, .booleans, .bytes, .bytesArray, .json: false
        }
    }

    /// Whether the value holds U+0000 (NUL) as text: in a string, or in JSON as the escape `\u0000`, which `jsonb`
    /// refuses. Bytes (`bytea`) may hold zeros.
    var holdsNUL: Bool {
        switch self {
        case .text(let value): value?.utf8.contains(0) ?? false
        case .texts(let values): values.contains { $0.utf8.contains(0) }
        case .json(let text): text.utf8.contains(0) || Self.escapesNUL(json: text)
        case .uuid, .integer, .double, .boolean, .date, .uuids, .integers, .doubles, .dates, .booleans, .bytes, .bytesArray: false
        }
    }

    /// Whether JSON text has the escape `\u0000` (an escaped backslash followed by `u0000` is not one). Outside
    /// strings JSON has no backslash, so every backslash starts an escape.
    private static func escapesNUL(json: String) -> Bool {
        var bytes = json.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "\\") else { continue }
            // The escaped character, consumed here whatever it is; only `u` is followed by four hex digits.
            guard bytes.next() == UInt8(ascii: "u") else { continue }
            var zeros = 0
            while zeros < 4, bytes.next() == UInt8(ascii: "0") { zeros += 1 }
            if zeros == 4 { return true }
        }
        return false
    }
}
