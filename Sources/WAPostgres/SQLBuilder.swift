import Foundation
import NIOCore
import PostgresNIO

/// A statement assembled from trusted SQL text and bound values: every value goes in as a parameter (`$1`, `$2`,
/// …), never into the text, so nothing a client writes can change a statement.
struct SQLBuilder: Sendable {
    private(set) var sql: String
    private var binds = PostgresBindings()

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
        switch value {
        case .uuid(let value): binds.append(value)
        case .text(let value): binds.append(value)
        case .integer(let value): binds.append(value)
        case .double(let value): binds.append(value)
        case .integers(let value): binds.append(value)
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

    /// The statement.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
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
        case .uuids, .texts, .integers, .dates, .booleans, .bytes, .bytesArray, .json: false
        }
    }
}
