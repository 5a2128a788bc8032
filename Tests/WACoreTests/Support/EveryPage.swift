import WACore

/// Every item of a paged list, in `order`: calls `list` with the largest page, cursor after cursor, until the last
/// page.
func everyPage<Item: Sendable>(
    order: SortOrder = .newestFirst, _ list: (PageRequest) async throws -> Page<Item>
) async throws -> [Item] {
    var items: [Item] = []
    var cursor: Cursor?
    repeat {
        let page = try await list(try PageRequest(limit: PageRequest.maximumLimit, cursor: cursor, order: order))
        items += page.items
        cursor = page.nextCursor
    } while cursor != nil
    return items
}
