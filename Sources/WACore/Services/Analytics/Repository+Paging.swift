extension Repository {
    /// Reads every record matching `filter`, oldest first, one page of ``PageRequest/maximumLimit`` at a time, and
    /// hands each page to `body`. Runs inside the caller's transaction.
    func forEachPage(
        in organization: OrganizationID, where filter: Entity.Filter, _ body: ([Entity]) throws -> Void
    ) async throws {
        var cursor: Cursor? = nil
        repeat {
            let request = try PageRequest(limit: PageRequest.maximumLimit, cursor: cursor, order: .oldestFirst)
            let page = try await list(in: organization, where: filter, page: request)
            try body(page.items)
            cursor = page.items.isEmpty ? nil : page.nextCursor
        } while cursor != nil
    }
}
