import WACore

extension RepositoryContract {
    static var instanceCases: [Case] {
        [
            Case("instances: desiredRunning lists the running instances of every organization", desiredRunningScope),
            Case("instances: desiredRunning pages in identifier order", desiredRunningPaging),
            Case("instances: desiredRunning needs system scope", desiredRunningNeedsSystemScope),
            Case("organizations: all pages every organization in identifier order, in system scope only", allOrganizations),
        ]
    }

    private static func allOrganizations(_ store: any Store, _ f: Fixtures) async throws {
        let created = [
            try await TenantFixture.create(in: store, using: f).id, try await TenantFixture.create(in: store, using: f).id,
            try await TenantFixture.create(in: store, using: f).id,
        ].sorted()
        // Other cases on a shared store add organizations too: read pages of two from just before the first.
        var seen: [OrganizationID] = []
        var cursor: OrganizationID?
        repeat {
            let page = try await store.transaction(.system) { [cursor] in try await $0.organizations.all(after: cursor, limit: 2) }
            try check(page.count <= 2, "a page holds at most the limit")
            try check(page.map(\.id) == page.map(\.id).sorted(), "a page is in identifier order")
            seen += page.map(\.id)
            cursor = page.count == 2 ? page.last?.id : nil
        } while cursor != nil && (seen.last.map { $0 < created.last! } ?? true)
        try check(Set(created).isSubset(of: Set(seen)), "every organization is listed")
        try check(seen == seen.sorted() && Set(seen).count == seen.count, "pages follow each other without repeats")
        try check(try await store.transaction(.system) { try await $0.organizations.all(after: nil, limit: 0) }.isEmpty, "a limit of 0 lists none")
        try await checkThrows(.tenantMismatch, "an organization scope cannot list every organization") {
            try await store.transaction(.organization(created[0])) { try await $0.organizations.all(after: nil, limit: 10) }
        }
    }

    /// Every page of ``InstanceRepository/desiredRunning(after:limit:)`` after `start`, until a page ends past
    /// `last` (other cases sharing the store may add running instances of their own, before and after ours).
    private static func walkDesiredRunning(
        _ store: any Store, after start: InstanceID, through last: InstanceID, limit: Int
    ) async throws -> [[Instance]] {
        var pages: [[Instance]] = []
        var cursor = start
        while true {
            let page = try await store.transaction(.system) { [cursor] in
                try await $0.instances.desiredRunning(after: cursor, limit: limit)
            }
            try check(page.count <= limit, "a page holds at most \(limit) instances, got \(page.count)")
            pages.append(page)
            guard let end = page.last?.id, end < last, page.count == limit else { return pages }
            cursor = end
        }
    }

    private static func instance(_ f: Fixtures, in org: OrganizationID, _ desired: InstanceDesiredState) -> Instance {
        f.instance(in: org).restored(status: .created, desiredState: desired)
    }

    private static func desiredRunningScope(_ store: any Store, _ f: Fixtures) async throws {
        let start: InstanceID = f.ids.make()
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        let runningA = instance(f, in: a.id, .running)
        let stoppedA = instance(f, in: a.id, .stopped)
        let runningB = instance(f, in: b.id, .running)
        let laterA = instance(f, in: a.id, .running)
        try await store.transaction(.organization(a.id)) { tx in
            for record in [runningA, stoppedA, laterA] { _ = try await tx.instances.insert(record) }
        }
        _ = try await store.transaction(.organization(b.id)) { try await $0.instances.insert(runningB) }
        let ours: Set<InstanceID> = [a.instance.id, b.instance.id, runningA.id, stoppedA.id, runningB.id, laterA.id]

        func listed() async throws -> [Instance] {
            try await walkDesiredRunning(store, after: start, through: laterA.id, limit: PageRequest.maximumLimit)
                .joined().filter { ours.contains($0.id) }
        }
        let first = try await listed()
        try check(
            first.map(\.id) == [runningA.id, runningB.id, laterA.id],
            "only the running instances, of both organizations, in identifier order; got \(first.map(\.name))")
        let storedA = try await store.transaction(.organization(a.id)) {
            try await $0.instances.get(runningA.id, in: a.id)
        }
        try check(first.first == storedA, "the records are returned whole")

        // Stopping one and deleting another takes them out; starting one brings it in.
        try await store.transaction(.organization(a.id)) { tx in
            let stopped = try await tx.instances.get(runningA.id, in: a.id)
            _ = try await tx.instances.update(stopped.restored(status: .stopped, desiredState: .stopped))
            let started = try await tx.instances.get(stoppedA.id, in: a.id)
            _ = try await tx.instances.update(started.restored(status: .starting, desiredState: .running))
        }
        try await store.transaction(.organization(b.id)) { try await $0.instances.delete(runningB.id, in: b.id) }
        let second = try await listed()
        try check(
            second.map(\.id) == [stoppedA.id, laterA.id],
            "changes of the desired state show at once; got \(second.map(\.name))")
    }

    private static func desiredRunningPaging(_ store: any Store, _ f: Fixtures) async throws {
        let start: InstanceID = f.ids.make()
        let t = try await TenantFixture.create(in: store, using: f)
        let running = (0..<5).map { index in instance(f, in: t.id, index == 2 ? .stopped : .running) }
        try await store.transaction(.organization(t.id)) { tx in
            for record in running { _ = try await tx.instances.insert(record) }
        }
        let expected = running.filter { $0.desiredState == .running }.map(\.id)
        let last = try requireValue(expected.last, "a running instance")

        let pages = try await walkDesiredRunning(store, after: start, through: last, limit: 2)
        let all = pages.joined().map(\.id)
        try check(zip(all, all.dropFirst()).allSatisfy { $0 < $1 }, "pages continue in ascending identifier order")
        try check(all.allSatisfy { $0 > start }, "every instance comes after the cursor")
        try check(pages.dropLast().allSatisfy { $0.count == 2 }, "every page but the last is full")
        try check(
            all.filter(Set(expected).contains) == expected,
            "paging finds every running instance exactly once; got \(all.filter(Set(expected).contains))")

        let afterSecond = try await store.transaction(.system) {
            try await $0.instances.desiredRunning(after: expected[1], limit: 1)
        }
        try check(
            afterSecond.count == 1 && afterSecond[0].id > expected[1] && afterSecond[0].id <= expected[2],
            "a page starts right after its cursor")
        let none = try await store.transaction(.system) { try await $0.instances.desiredRunning(after: nil, limit: 0) }
        try check(none.isEmpty, "a limit of zero returns nothing")
    }

    private static func desiredRunningNeedsSystemScope(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        _ = try await store.transaction(.organization(t.id)) {
            try await $0.instances.insert(instance(f, in: t.id, .running))
        }
        try await checkThrows(.tenantMismatch, "desiredRunning in an organization's transaction") {
            try await store.transaction(.organization(t.id)) {
                try await $0.instances.desiredRunning(after: nil, limit: 10)
            }
        }
    }
}
