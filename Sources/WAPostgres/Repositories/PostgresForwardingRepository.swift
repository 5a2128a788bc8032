import WACore

/// A repository that adds lookups (or key handling) to the generic entity repository and forwards the rest of
/// ``WACore/Repository`` to it.
protocol PostgresForwardingRepository: Repository where Entity == Mapping.Entity {
    associatedtype Mapping: PostgresEntityMapping
    var base: PostgresEntityRepository<Mapping> { get }
}

extension PostgresForwardingRepository {
    var context: PostgresTransactionContext { base.context }

    func insert(_ entity: Entity) async throws(WAError) -> Entity { try await base.insert(entity) }
    func find(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try await base.find(id, in: organization)
    }
    func findForUpdate(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try await base.findForUpdate(id, in: organization)
    }
    func update(_ entity: Entity) async throws(WAError) -> Entity { try await base.update(entity) }
    func delete(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) {
        try await base.delete(id, in: organization)
    }
    func list(in organization: OrganizationID, where filter: Entity.Filter, page: PageRequest)
        async throws(WAError) -> Page<Entity>
    {
        try await base.list(in: organization, where: filter, page: page)
    }
    func count(in organization: OrganizationID, where filter: Entity.Filter) async throws(WAError) -> Int {
        try await base.count(in: organization, where: filter)
    }
}
