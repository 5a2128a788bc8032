/// A record a ``Store`` keeps: tenant-scoped, identified, versioned for optimistic concurrency.
///
/// Every entity belongs to exactly one organization; there is no way to read or write one without naming it.
public protocol StoredEntity: Sendable, Codable, Equatable {
    /// The filter type ``Repository/list(in:where:page:)`` accepts for this entity.
    associatedtype Filter: EntityFilter<Self>

    /// A short name used in error messages and storage (`"member"`).
    static var entityName: String { get }
    /// Whether records are append-only (audit events): updates and deletes are refused.
    static var isAppendOnly: Bool { get }

    var id: Identifier<Self> { get }
    var organizationID: OrganizationID { get }
    /// Incremented by the store on every successful update; an update must carry the version it read.
    var version: Int { get set }
    /// The unique constraints this record takes part in.
    var uniqueKeys: [UniqueKey] { get }
}

extension StoredEntity {
    public static var isAppendOnly: Bool { false }
    public var uniqueKeys: [UniqueKey] { [] }
}

/// A predicate over one entity type, used to list and count.
///
/// A filter is a value with optional criteria (all `nil` means "everything"); ``matches(_:)`` is the reference
/// meaning that every storage adapter must reproduce (the repository contract suite checks it).
public protocol EntityFilter<Entity>: Sendable {
    associatedtype Entity
    /// A filter that matches everything.
    init()
    func matches(_ entity: Entity) -> Bool
}

/// The filter of entities that have no criteria to filter by.
public struct NoFilter<Entity>: EntityFilter {
    public init() {}
    public func matches(_ entity: Entity) -> Bool { true }
}

/// One value of a unique constraint, e.g. `("email", "ana@example.com")` within an organization.
public struct UniqueKey: Hashable, Sendable {
    /// The constraint's name; also the ``WAError/field`` reported on a conflict.
    public var name: String
    /// The value, already normalised (e.g. lower-cased).
    public var value: String
    /// Unique across all organizations (organization slugs, API key lookup ids) rather than within one.
    public var isGlobal: Bool

    public init(_ name: String, _ value: String, global: Bool = false) {
        self.name = name
        self.value = value
        self.isGlobal = global
    }
}
