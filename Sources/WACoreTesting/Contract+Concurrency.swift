import WACore

extension RepositoryContract {
    static var concurrencyCases: [Case] {
        [
            Case("concurrency: of two writers holding the same version, exactly one wins", twoWriters),
            Case("concurrency: writers that retry on conflict lose no update", noLostUpdates),
            Case("concurrency: concurrent inserts of one unique key admit exactly one", racingInserts),
            Case("concurrency: a row locked for update serializes count-then-insert", lockedCountThenInsert),
            Case("concurrency: racing get-or-creates agree on one record", racingGetOrCreate),
        ]
    }

    private static func twoWriters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        // Both read version 1 (like two API clients that fetched the instance), then both write.
        let base = try await store.transaction(scope) { try await $0.instances.get(t.instance.id, in: t.id) }
        let first = base.restored(status: .ready)
        let second = base.restored(status: .stopped)
        let outcomes = await withTaskGroup(of: Result<Instance, WAError>.self) { group in
            for change in [first, second] {
                group.addTask {
                    do {
                        return .success(try await store.transaction(scope) { try await $0.instances.update(change) })
                    } catch let error as WAError {
                        return .failure(error)
                    } catch {
                        return .failure(WAError(.internalError, "\(error)"))
                    }
                }
            }
            var results: [Result<Instance, WAError>] = []
            for await result in group { results.append(result) }
            return results
        }
        let winners = outcomes.compactMap { try? $0.get() }
        let losers = outcomes.compactMap { result -> WAError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        try check(winners.count == 1, "exactly one writer succeeds (\(outcomes))")
        try check(losers.map(\.code) == [.versionConflict], "the other gets version_conflict (\(losers))")
        let stored = try await store.transaction(scope) { try await $0.instances.get(t.instance.id, in: t.id) }
        try check(stored == winners.first && stored.version == 2, "the store holds the winner's write")
    }

    private static func noLostUpdates(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let campaign = try await store.transaction(scope) {
            try await $0.campaigns.insert(f.campaign(in: t.id, instance: t.instance.id, template: t.template.id))
        }
        let writers = 4
        let incrementsEach = 15
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    for _ in 0..<incrementsEach {
                        var attempts = 0
                        while true {
                            attempts += 1
                            try check(attempts < 1000, "a writer made progress")
                            // Read and write in separate transactions, so writers really interleave.
                            var current = try await store.transaction(scope) {
                                try await $0.campaigns.get(campaign.id, in: t.id)
                            }
                            current.progress.sent += 1
                            do {
                                _ = try await store.transaction(scope) { try await $0.campaigns.update(current) }
                                break
                            } catch let error as WAError where error.code == .versionConflict {
                                await Task.yield()
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await store.transaction(scope) { try await $0.campaigns.get(campaign.id, in: t.id) }
        try check(final.progress.sent == writers * incrementsEach, "no lost update: \(final.progress.sent)")
        try check(final.version == 1 + writers * incrementsEach, "one version per successful write: \(final.version)")
    }

    private static func racingInserts(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let key = "order-\(f.token())"
        let results = await withTaskGroup(of: WAError.Code?.self) { group in
            for _ in 0..<6 {
                let message = f.message(in: t.id, instance: t.instance.id, idempotencyKey: key)
                group.addTask {
                    do {
                        _ = try await store.transaction(scope) { try await $0.messages.insert(message) }
                        return nil
                    } catch let error as WAError {
                        return error.code
                    } catch {
                        return .internalError
                    }
                }
            }
            var codes: [WAError.Code?] = []
            for await code in group { codes.append(code) }
            return codes
        }
        try check(results.filter { $0 == nil }.count == 1, "exactly one insert wins: \(results)")
        try check(results.compactMap { $0 }.allSatisfy { $0 == .alreadyExists }, "the rest are already_exists")
    }

    /// Eight transactions each lock the organization, count its contacts and add one while there are fewer than
    /// three: the limit holds. Without the lock, under READ COMMITTED, all eight count the same rows and insert.
    private static func lockedCountThenInsert(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let limit = 3
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.transaction(scope) { tx in
                        _ = try await tx.organizations.getForUpdate(t.id, in: t.id)
                        let count = try await tx.contacts.count(in: t.id, where: .init())
                        // Let the other racers run between the count and the insert.
                        try await Task.sleep(for: .milliseconds(5))
                        guard count < limit else { return false }
                        _ = try await tx.contacts.insert(f.contact(in: t.id))
                        return true
                    }
                }
            }
            var admitted = 0
            for try await wasAdmitted in group where wasAdmitted { admitted += 1 }
            return admitted
        }
        let stored = try await store.transaction(scope) { try await $0.contacts.count(in: t.id, where: .init()) }
        try check(admitted == limit && stored == limit, "\(admitted) admitted, \(stored) stored; the limit is \(limit)")
        try await checkThrows(.notFound, "a missing row cannot be locked") {
            try await store.transaction(scope) { tx in
                let missing: ContactID = f.ids.make()
                return try await tx.contacts.getForUpdate(missing, in: t.id)
            }
        }
    }

    /// Eight transactions look a phone number up, find nothing and create its contact with
    /// ``Repository/insertMissing(_:)``, run again on a conflict: one contact is stored and all eight return it.
    /// The losers of the race must see `storage_conflict` (or wait and find the winner's row), never
    /// `already_exists`.
    private static func racingGetOrCreate(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let phone = f.phone()
        let ids = try await withThrowingTaskGroup(of: ContactID.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.transaction(scope, retryingConflicts: 10) { tx in
                        if let existing = try await tx.contacts.find(phone: phone, in: t.id) { return existing.id }
                        try await Task.sleep(for: .milliseconds(5))
                        return try await tx.contacts.insertMissing(f.contact(in: t.id, phone: phone)).id
                    }
                }
            }
            var ids: Set<ContactID> = []
            for try await id in group { ids.insert(id) }
            return ids
        }
        let stored = try await store.transaction(scope) { try await $0.contacts.count(in: t.id, where: .init()) }
        try check(ids.count == 1 && stored == 1, "one contact stored (\(stored)), one id returned (\(ids.count))")
    }
}
