import WACore
import WAOpenAPI

extension RESTAPI {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let filter = try AuditEvent.Filter.api(
            action: query.action, actor: query.actor, resourceID: query.resourceId, since: query.since,
            until: query.until)
        let result = try await gateway.audit.query(filter: filter, page: page, by: principal)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }
}
