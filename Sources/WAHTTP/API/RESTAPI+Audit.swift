import WACore
import WAOpenAPI

extension RESTAPI {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = AuditEvent.Filter()
        filter.action = query.action
        filter.actor = try query.actor.map { try AuditEvent.Actor(filter: $0, field: "actor") }
        filter.resourceID = query.resourceId
        filter.since = query.since
        filter.until = query.until
        let result = try await gateway.audit.query(filter: filter, page: page, by: principal)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }
}
