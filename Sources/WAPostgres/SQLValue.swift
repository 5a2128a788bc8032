import Foundation
import PostgresNIO
import WACore

/// A value bound to one parameter of a statement the repositories build (``SQLBuilder``).
enum SQLValue: Sendable, Hashable {
    case uuid(UUID?)
    case text(String?)
    case integer(Int?)
    case double(Double?)
    case integers([Int])
    /// A `float8[]`.
    case doubles([Double])
    case dates([Date])
    case booleans([Bool])
    case bytes(Data)
    case bytesArray([Data])
    case boolean(Bool?)
    case date(Date?)
    case uuids([UUID])
    case texts([String])
    /// JSON text, bound as `text` and cast to `jsonb` in the statement.
    case json(String)

    /// An identifier as a `uuid`.
    static func id<Entity>(_ id: Identifier<Entity>?) -> SQLValue { .uuid(id?.uuid) }

    /// Identifiers as a `uuid[]`.
    static func ids<Entity>(_ ids: some Sequence<Identifier<Entity>>) -> SQLValue { .uuids(ids.map(\.uuid)) }
}
