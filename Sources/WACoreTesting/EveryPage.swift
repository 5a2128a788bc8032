public import WACore

/// Every item of a paged list, in `order`: calls `list` with the largest page, cursor after cursor, until the last
/// page.
///
/// ```swift
/// let deliveries = try await everyPage { page in
///     try await store.transaction(.organization(org)) { try await $0.deliveries.list(in: org, page: page) }
/// }
/// ```
public func everyPage<Item: Sendable>(
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
