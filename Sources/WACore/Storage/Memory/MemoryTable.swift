/// A table whose rows of one organization can be removed without knowing its entity type (``MemoryStore`` purging an
/// organization).
protocol MemoryOrganizationRows: AnyObject {
    /// Removes every row of `organization`, appending to `undo` how to put them back.
    func removeAll(of organization: OrganizationID, undo: inout [() -> Void])
}

/// One entity type's rows in a ``MemoryStore``: by id, in identifier order per organization, and by unique key.
///
/// Not thread-safe by itself; ``MemoryStore`` only touches tables while holding its lock.
final class MemoryTable<Entity: StoredEntity> {
    private struct IndexKey: Hashable {
        var organization: OrganizationID?
        var name: String
        var value: String
    }

    private(set) var rows: [Identifier<Entity>: Entity] = [:]
    /// Each organization's ids, ascending.
    private var order: [OrganizationID: [Identifier<Entity>]] = [:]
    private var unique: [IndexKey: Identifier<Entity>] = [:]

    private func indexKey(_ key: UniqueKey, _ organization: OrganizationID) -> IndexKey {
        IndexKey(organization: key.isGlobal ? nil : organization, name: key.name, value: key.value)
    }

    /// The first unique key of `entity` that another row already holds.
    func conflict(for entity: Entity) -> UniqueKey? {
        entity.uniqueKeys.first { key in
            guard let holder = unique[indexKey(key, entity.organizationID)] else { return false }
            return holder != entity.id
        }
    }

    /// Two keys of one record that collide with each other (a contact whose JID equals its LID).
    func selfConflict(for entity: Entity) -> UniqueKey? {
        var seen = Set<IndexKey>()
        return entity.uniqueKeys.first { !seen.insert(indexKey($0, entity.organizationID)).inserted }
    }

    func row(_ id: Identifier<Entity>, in organization: OrganizationID) -> Entity? {
        guard let row = rows[id], row.organizationID == organization else { return nil }
        return row
    }

    func row(unique key: UniqueKey, in organization: OrganizationID?) -> Entity? {
        let index = IndexKey(organization: key.isGlobal ? nil : organization, name: key.name, value: key.value)
        return unique[index].flatMap { rows[$0] }
    }

    /// Inserts or replaces a row, keeping the indexes in step.
    func put(_ entity: Entity) {
        if let old = rows[entity.id] {
            for key in old.uniqueKeys { unique[indexKey(key, old.organizationID)] = nil }
        } else {
            var ids = order[entity.organizationID, default: []]
            if let last = ids.last, last > entity.id {
                ids.insert(entity.id, at: Self.insertionPoint(of: entity.id, in: ids))
            } else {
                ids.append(entity.id)
            }
            order[entity.organizationID] = ids
        }
        rows[entity.id] = entity
        for key in entity.uniqueKeys { unique[indexKey(key, entity.organizationID)] = entity.id }
    }

    func remove(_ id: Identifier<Entity>) {
        guard let old = rows.removeValue(forKey: id) else { return }
        for key in old.uniqueKeys { unique[indexKey(key, old.organizationID)] = nil }
        if var ids = order[old.organizationID] {
            let index = Self.insertionPoint(of: id, in: ids)
            if index < ids.count, ids[index] == id { ids.remove(at: index) }
            order[old.organizationID] = ids.isEmpty ? nil : ids
        }
    }

    func page(in organization: OrganizationID, where filter: Entity.Filter, page: PageRequest) -> Page<Entity> {
        self.page(in: organization, matching: filter.matches, page: page)
    }

    /// A page of the rows of `organization` for which `matches` holds.
    func page(in organization: OrganizationID, matching matches: (Entity) -> Bool, page: PageRequest) -> Page<Entity> {
        let ids = order[organization] ?? []
        var items: [Entity] = []
        var hasMore = false
        func visit(_ id: Identifier<Entity>) -> Bool {
            guard let row = rows[id], matches(row) else { return true }
            if items.count == page.limit {
                hasMore = true
                return false
            }
            items.append(row)
            return true
        }
        switch page.order {
        case .oldestFirst:
            var index = 0
            if let cursor = page.cursor {
                let position: Identifier<Entity> = cursor.position()
                index = Self.insertionPoint(of: position, in: ids)
                if index < ids.count, ids[index] == position { index += 1 }
            }
            while index < ids.count, visit(ids[index]) { index += 1 }
        case .newestFirst:
            var index = ids.count - 1
            if let cursor = page.cursor {
                index = Self.insertionPoint(of: cursor.position(), in: ids) - 1
            }
            while index >= 0, visit(ids[index]) { index -= 1 }
        }
        let next = hasMore ? items.last.map { Cursor(after: $0.id, order: page.order) } : nil
        return Page(items: items, nextCursor: next)
    }

    func count(in organization: OrganizationID, where filter: Entity.Filter) -> Int {
        (order[organization] ?? []).reduce(0) { count, id in
            count + (rows[id].map { filter.matches($0) ? 1 : 0 } ?? 0)
        }
    }

    func all(in organization: OrganizationID) -> [Entity] {
        (order[organization] ?? []).compactMap { rows[$0] }
    }

    /// The index of the first id not less than `id`.
    private static func insertionPoint(of id: Identifier<Entity>, in ids: [Identifier<Entity>]) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension MemoryTable: MemoryOrganizationRows {
    func removeAll(of organization: OrganizationID, undo: inout [() -> Void]) {
        for row in all(in: organization) {
            remove(row.id)
            undo.append { self.put(row) }
        }
    }
}
