import WACore

extension RepositoryContract {
    static var paginationCases: [Case] {
        [
            Case("pagination: newest first walks every record once", { try await walk(.newestFirst, $0, $1) }),
            Case("pagination: oldest first walks every record once", { try await walk(.oldestFirst, $0, $1) }),
            Case("pagination: a full last page has no next cursor", fullLastPage),
            Case("pagination: records inserted while paging do not shift pages", insertWhilePaging),
            Case("pagination: a filtered list pages over matches only", filteredPaging),
            Case("pagination: a cursor keeps its direction", cursorKeepsDirection),
        ]
    }

    /// Inserts `count` messages into a fresh tenant and returns them in insertion (identifier) order.
    private static func seedMessages(_ count: Int, _ store: any Store, _ f: Fixtures) async throws
        -> (TenantFixture, [Message])
    {
        let t = try await TenantFixture.create(in: store, using: f)
        let messages = try await store.transaction(.organization(t.id)) { tx in
            var stored: [Message] = []
            for i in 0..<count {
                stored.append(
                    try await tx.messages.insert(
                        f.message(in: t.id, instance: t.instance.id, status: i % 3 == 0 ? .read : .sent)))
            }
            return stored
        }
        return (t, messages)
    }

    private static func pages(
        _ store: any Store, _ t: TenantFixture, limit: Int, order: SortOrder, filter: Message.Filter = .init()
    ) async throws -> [[Message]] {
        var result: [[Message]] = []
        var cursor: Cursor? = nil
        repeat {
            let request = try PageRequest(limit: limit, cursor: cursor, order: order)
            let page = try await store.transaction(.organization(t.id)) {
                try await $0.messages.list(in: t.id, where: filter, page: request)
            }
            result.append(page.items)
            cursor = page.nextCursor
            // A round trip through the text form, as an API client would do it.
            if let c = cursor { cursor = try Cursor(parsing: c.description) }
            try check(result.count < 1000, "pagination terminates")
        } while cursor != nil
        return result
    }

    private static func walk(_ order: SortOrder, _ store: any Store, _ f: Fixtures) async throws {
        let (t, messages) = try await seedMessages(23, store, f)
        let walked = try await pages(store, t, limit: 5, order: order)
        try check(walked.map(\.count) == [5, 5, 5, 5, 3], "page sizes \(walked.map(\.count))")
        let expected = order == .oldestFirst ? messages : messages.reversed()
        try check(walked.flatMap { $0 }.map(\.id) == expected.map(\.id), "every record once, in \(order) order")
    }

    private static func fullLastPage(_ store: any Store, _ f: Fixtures) async throws {
        let (t, messages) = try await seedMessages(10, store, f)
        let walked = try await pages(store, t, limit: 5, order: .newestFirst)
        try check(walked.map(\.count) == [5, 5], "two full pages and no empty third one, got \(walked.map(\.count))")
        try check(Set(walked.flatMap { $0 }.map(\.id)) == Set(messages.map(\.id)), "all records")
        let exact = try await store.transaction(.organization(t.id)) {
            try await $0.messages.list(in: t.id, where: .init(), page: PageRequest(limit: 10))
        }
        try check(exact.items.count == 10 && exact.nextCursor == nil, "a page holding everything has no next cursor")
    }

    private static func insertWhilePaging(_ store: any Store, _ f: Fixtures) async throws {
        let (t, messages) = try await seedMessages(12, store, f)
        let first = try await store.transaction(.organization(t.id)) {
            try await $0.messages.list(in: t.id, where: .init(), page: PageRequest(limit: 5, order: .newestFirst))
        }
        // New records arrive at the head of a newest-first list and must not push old ones into the next page.
        try await store.transaction(.organization(t.id)) { tx in
            for _ in 0..<3 { _ = try await tx.messages.insert(f.message(in: t.id, instance: t.instance.id)) }
        }
        var seen = first.items.map(\.id)
        var cursor = first.nextCursor
        while let c = cursor {
            let page = try await store.transaction(.organization(t.id)) {
                try await $0.messages.list(in: t.id, where: .init(), page: PageRequest(limit: 5, cursor: c))
            }
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        }
        try check(seen == messages.reversed().map(\.id), "the walk saw exactly the records older than the first page")
    }

    private static func filteredPaging(_ store: any Store, _ f: Fixtures) async throws {
        let (t, messages) = try await seedMessages(20, store, f)
        let walked = try await pages(store, t, limit: 3, order: .oldestFirst, filter: Message.Filter(status: .read))
        let expected = messages.filter { $0.status == .read }
        try check(walked.flatMap { $0 }.map(\.id) == expected.map(\.id), "only matching records, in order")
        try check(walked.dropLast().allSatisfy { $0.count == 3 }, "every page but the last is full")
    }

    private static func cursorKeepsDirection(_ store: any Store, _ f: Fixtures) async throws {
        let (t, messages) = try await seedMessages(6, store, f)
        let first = try await store.transaction(.organization(t.id)) {
            try await $0.messages.list(in: t.id, where: .init(), page: PageRequest(limit: 2, order: .oldestFirst))
        }
        let cursor = try requireValue(first.nextCursor, "a next cursor")
        // The client asks for newest first with an oldest-first cursor: the cursor's direction wins.
        let second = try await store.transaction(.organization(t.id)) {
            try await $0.messages.list(
                in: t.id, where: .init(), page: PageRequest(limit: 2, cursor: cursor, order: .newestFirst))
        }
        try check(second.items.map(\.id) == messages[2..<4].map(\.id), "the second page continues oldest first")
        try await checkThrows(.invalidCursor, "a mangled cursor") { try Cursor(parsing: "x" + cursor.description) }
        try await checkThrows(.invalidArgument, field: "limit", "a page limit of 0") { try PageRequest(limit: 0) }
        try await checkThrows(.invalidArgument, field: "limit", "a page limit above the maximum") {
            try PageRequest(limit: PageRequest.maximumLimit + 1)
        }
    }
}
