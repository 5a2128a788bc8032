import WACore

/// How one entity type is stored in its table of the schema (`Migrations/0002_schema.sql`): the row is the
/// standard columns (`organization_id`, `id`, `version`, `data`, the entity's JSON) plus the typed copies this
/// mapping writes, which its filters query and the table's constraints check.
protocol PostgresEntityMapping: Sendable {
    associatedtype Entity: StoredEntity

    /// The table.
    static var table: String { get }

    /// The typed columns written beside `data`, in a fixed order.
    static func columns(of entity: Entity) -> [(name: String, value: SQLValue)]

    /// Appends the conditions of `filter` to a `WHERE` clause, each as ` AND …`: the SQL meaning of
    /// `Entity.Filter.matches(_:)`, which the repository contract checks against the memory store.
    static func conditions(_ filter: Entity.Filter, into sql: inout SQLBuilder)

    /// The typed columns that make up the table's unique constraint for a (non-global) ``UniqueKey`` of this name,
    /// so that an insert that wrote nothing can tell which key collided.
    static func uniqueColumns(of key: String) -> [String]

    /// The predicate of the partial unique index behind the key `key` (SQL over the table's unqualified columns,
    /// for instance `state IN ('available', 'running')`), or `nil` when the constraint covers every row: the rows
    /// outside it hold no key, so a collision check must not count them.
    static func uniquePredicate(of key: String) -> String?
}

extension PostgresEntityMapping {
    static func conditions(_ filter: Entity.Filter, into sql: inout SQLBuilder) {}
    static func uniqueColumns(of key: String) -> [String] { [] }
    static func uniquePredicate(of key: String) -> String? { nil }
}
