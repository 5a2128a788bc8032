import Foundation
import WACore

/// How the contract reaches and builds one aggregate.
struct AggregateSpec<Entity: StoredEntity>: Sendable {
    let repository: @Sendable (any StoreTransaction) -> any Repository<Entity>
    /// A new, valid record in the tenant (the tenant's parent records already exist).
    let make: @Sendable (Fixtures, TenantFixture) -> Entity
    /// A change to a stored record that keeps it valid and unique.
    let mutate: @Sendable (inout Entity) -> Void
}

/// Every aggregate the store holds, type-erased so cases can loop over them.
struct AnyAggregate: Sendable {
    let name: String
    let crud: @Sendable (any Store, Fixtures) async throws -> Void
    let isolation: @Sendable (any Store, Fixtures) async throws -> Void
    /// Inserts one new record into the tenant.
    let insertOne: @Sendable (any StoreTransaction, Fixtures, TenantFixture) async throws -> Void
    /// How many records the organization has.
    let count: @Sendable (any StoreTransaction, OrganizationID) async throws -> Int
}

extension RepositoryContract {
    static var aggregates: [AnyAggregate] {
        [
            erase(
                "organization",
                AggregateSpec(
                    repository: { generic($0.organizations) }, make: { f, _ in f.organization() },
                    mutate: { $0.name += " renamed"; $0.plan = .enterprise })),
            erase(
                "member",
                AggregateSpec(
                    repository: { generic($0.members) }, make: { f, t in f.member(in: t.id) },
                    mutate: {
                        $0.role = .manager
                        $0.isActive = false
                        $0.sessionEpoch += 3
                        $0.credentialToken = .init(
                            purpose: .passwordReset, digest: Array(repeating: 7, count: 32), expiresAt: $0.createdAt)
                    })),
            erase(
                "api_key",
                AggregateSpec(
                    repository: { generic($0.apiKeys) }, make: { f, t in f.apiKey(in: t.id, createdBy: t.admin.id) },
                    mutate: { $0.scopes = [.messagesRead, .contactsRead]; $0.lastUsedAt = $0.createdAt })),
            erase(
                "instance",
                AggregateSpec(
                    repository: { generic($0.instances) }, make: { f, t in f.instance(in: t.id) },
                    mutate: {
                        $0 = $0.restored(status: .ready, desiredState: .running)
                        $0.risk.score = 12.5
                        $0.proxyPolicy = .pool
                        $0.pairingGeneration = 2
                    })),
            erase(
                "risk_monitor",
                AggregateSpec(
                    repository: { generic($0.riskMonitors) },
                    make: { f, t in
                        RiskMonitorRecord(
                            instanceID: t.instance.id, organizationID: t.id, state: Array(#"{"windows":[1,2,3]}"#.utf8),
                            updatedAt: f.now())
                    },
                    mutate: { $0.state = Array(repeating: 0x7B, count: 4_096); $0.updatedAt += 1 })),
            erase(
                "member_credential",
                AggregateSpec(
                    repository: { generic($0.memberCredentials) },
                    make: { f, t in
                        MemberCredential(
                            memberID: t.admin.id, organizationID: t.id, passwordHash: "$2b$04$" + f.token(53),
                            updatedAt: f.now())
                    },
                    mutate: { $0.passwordHash = "$2b$12$" + String(repeating: "x", count: 53); $0.updatedAt += 1 })),
            erase(
                "session_archive",
                AggregateSpec(
                    repository: { generic($0.sessionArchives) },
                    make: { f, t in
                        SealedSessionArchive(
                            instanceID: t.instance.id, organizationID: t.id,
                            sealed: [0, 1, 2, 0xFE, 0xFF] + f.random.bytes(64), updatedAt: f.now())
                    },
                    mutate: { $0.sealed = Array(repeating: 0x5A, count: 80); $0.updatedAt += 1 })),
            erase(
                "contact",
                AggregateSpec(
                    repository: { generic($0.contacts) }, make: { f, t in f.contact(in: t.id, tags: ["vip"]) },
                    mutate: { $0.tags.insert("late payer"); $0.optedOut = true })),
            erase(
                "chat",
                AggregateSpec(
                    repository: { generic($0.chats) }, make: { f, t in f.chat(in: t.id, instance: t.instance.id) },
                    mutate: { $0.unreadCount = 3; $0.name = "Renamed" })),
            erase(
                "message",
                AggregateSpec(
                    repository: { generic($0.messages) },
                    make: { f, t in f.message(in: t.id, instance: t.instance.id, idempotencyKey: f.token()) },
                    mutate: { $0.advance(to: .read, at: $0.createdAt.addingTimeInterval(5)) })),
            erase(
                "template",
                AggregateSpec(
                    repository: { generic($0.templates) }, make: { f, t in f.template(in: t.id) },
                    mutate: { $0.body = "Bye {{name}}" })),
            erase(
                "campaign",
                AggregateSpec(
                    repository: { generic($0.campaigns) },
                    make: { f, t in f.campaign(in: t.id, instance: t.instance.id, template: t.template.id) },
                    mutate: { $0 = $0.restored(status: .running); $0.progress.sent = 10 })),
            erase(
                "automation",
                AggregateSpec(
                    repository: { generic($0.automations) }, make: { f, t in f.automation(in: t.id, template: t.template.id) },
                    mutate: { $0.isEnabled = false; $0.trigger = .regex("^(price|cost)") })),
            erase(
                "webhook_endpoint",
                AggregateSpec(
                    repository: { generic($0.webhookEndpoints) }, make: { f, t in f.webhookEndpoint(in: t.id) },
                    mutate: { $0.isEnabled = false; $0.disabledReason = "manual"; $0.eventFilters = ["*"] })),
            erase(
                "delivery",
                AggregateSpec(
                    repository: { generic($0.deliveries) }, make: { f, t in f.delivery(in: t.id, endpoint: t.endpoint.id) },
                    mutate: {
                        $0.state = .succeeded(attempts: 1)
                        $0.attempts.append(.init(startedAt: $0.createdAt, statusCode: 204, durationMilliseconds: 12))
                    })),
            erase(
                "audit_event",
                AggregateSpec(
                    repository: { generic($0.auditEvents) }, make: { f, t in f.auditEvent(in: t.id) },
                    mutate: { $0.action = "member.removed" })),
            erase(
                "media_object",
                AggregateSpec(
                    repository: { generic($0.mediaObjects) }, make: { f, t in f.mediaObject(in: t.id) },
                    mutate: { $0.fileName = "renamed.png" })),
            erase(
                "proxy_server",
                AggregateSpec(
                    repository: { generic($0.proxyServers) }, make: { f, t in f.proxyServer(in: t.id) },
                    mutate: { $0.healthScore = 0.25; $0.capacity = 5 })),
            erase(
                "risk_alert",
                AggregateSpec(
                    repository: { generic($0.riskAlerts) },
                    make: { f, t in f.riskAlert(in: t.id, instance: t.instance.id) },
                    mutate: { $0.acknowledgedAt = $0.createdAt; $0.acknowledgedBy = nil })),
            erase(
                "job",
                AggregateSpec(
                    repository: { generic($0.jobs) }, make: { f, t in f.job(in: t.id, uniqueKey: f.token()) },
                    mutate: { $0.priority = 3; $0.lastError = "boom" })),
            erase(
                "instance_lease",
                AggregateSpec(
                    repository: { generic($0.leases) },
                    make: { f, t in
                        InstanceLease(
                            instanceID: t.instance.id, organizationID: t.id, owner: "node-a", token: 7,
                            expiresAt: f.now())
                    },
                    mutate: { $0.owner = "node-b"; $0.token += 1 })),
        ]
    }

    static var crudCases: [Case] {
        aggregates.map { aggregate in Case("crud: \(aggregate.name)", aggregate.crud) }
    }

    private static func erase<Entity>(_ name: String, _ spec: AggregateSpec<Entity>) -> AnyAggregate {
        AnyAggregate(
            name: name,
            crud: { store, fixtures in try await crud(spec, store, fixtures) },
            isolation: { store, fixtures in try await isolation(spec, store, fixtures) },
            insertOne: { tx, fixtures, tenant in _ = try await spec.repository(tx).insert(spec.make(fixtures, tenant)) },
            count: { tx, org in try await spec.repository(tx).count(in: org, where: Entity.Filter()) })
    }

    /// Insert, read back exactly, update with version bump, stale update refused, delete, and the errors after it.
    private static func crud<Entity>(_ spec: AggregateSpec<Entity>, _ store: any Store, _ fixtures: Fixtures)
        async throws
    {
        let tenant = try await TenantFixture.create(in: store, using: fixtures)
        let draft = spec.make(fixtures, tenant)
        let scope = TransactionScope.organization(draft.organizationID)
        let org = draft.organizationID
        let name = Entity.entityName

        let inserted = try await store.transaction(scope) { try await spec.repository($0).insert(draft) }
        var expected = draft
        expected.version = 1
        try check(inserted == expected, "\(name): insert returns the record with version 1")

        let found = try await store.transaction(scope) { try await spec.repository($0).find(draft.id, in: org) }
        try check(found == expected, "\(name): find returns exactly what was inserted, got \(String(describing: found))")
        let counted = try await store.transaction(scope) {
            try await spec.repository($0).count(in: org, where: Entity.Filter())
        }
        try check(counted >= 1, "\(name): count includes the new record")

        var changed = inserted
        spec.mutate(&changed)
        if Entity.isAppendOnly {
            try await checkThrows(.immutableRecord, "\(name): update of an append-only record") {
                try await store.transaction(scope) { try await spec.repository($0).update(changed) }
            }
            try await checkThrows(.immutableRecord, "\(name): delete of an append-only record") {
                try await store.transaction(scope) { try await spec.repository($0).delete(draft.id, in: org) }
            }
            let still = try await store.transaction(scope) { try await spec.repository($0).find(draft.id, in: org) }
            try check(still == expected, "\(name): append-only record unchanged")
            return
        }

        let updated = try await store.transaction(scope) { try await spec.repository($0).update(changed) }
        var expectedUpdate = changed
        expectedUpdate.version = 2
        try check(updated == expectedUpdate, "\(name): update returns the change with version 2")
        let reread = try await store.transaction(scope) { try await spec.repository($0).get(draft.id, in: org) }
        try check(reread == expectedUpdate, "\(name): the update is stored exactly")

        try await checkThrows(.versionConflict, field: "version", "\(name): update carrying a stale version") {
            try await store.transaction(scope) { try await spec.repository($0).update(changed) }
        }

        try await store.transaction(scope) { try await spec.repository($0).delete(draft.id, in: org) }
        let gone = try await store.transaction(scope) { try await spec.repository($0).find(draft.id, in: org) }
        try check(gone == nil, "\(name): deleted record is gone")
        try await checkThrows(.notFound, "\(name): get after delete") {
            try await store.transaction(scope) { try await spec.repository($0).get(draft.id, in: org) }
        }
        try await checkThrows(.notFound, "\(name): delete twice") {
            try await store.transaction(scope) { try await spec.repository($0).delete(draft.id, in: org) }
        }
        try await checkThrows(.notFound, "\(name): update after delete") {
            try await store.transaction(scope) { try await spec.repository($0).update(reread) }
        }
    }

    /// Another organization's record is invisible, and a transaction scoped to one organization refuses calls
    /// naming another.
    private static func isolation<Entity>(_ spec: AggregateSpec<Entity>, _ store: any Store, _ fixtures: Fixtures)
        async throws
    {
        let a = try await TenantFixture.create(in: store, using: fixtures)
        let b = try await TenantFixture.create(in: store, using: fixtures)
        let record = spec.make(fixtures, a)
        let owner = record.organizationID
        let name = Entity.entityName
        // Organizations are their own tenant: `record` is a third organization, so compare with `b` only.
        let other = b.id
        let stored = try await store.transaction(.organization(owner)) { try await spec.repository($0).insert(record) }

        let seenByOther = try await store.transaction(.system) { tx in
            (
                try await spec.repository(tx).find(record.id, in: other),
                try await spec.repository(tx).list(in: other, where: Entity.Filter(), page: .all).items.map(\.id),
                try await spec.repository(tx).count(in: other, where: Entity.Filter())
            )
        }
        try check(seenByOther.0 == nil, "\(name): find with another organization's id returns nothing")
        try check(!seenByOther.1.contains(record.id), "\(name): another organization's list does not contain it")
        try check(seenByOther.2 == seenByOther.1.count, "\(name): count agrees with list")

        let scopeB = TransactionScope.organization(other)
        try await checkThrows(.tenantMismatch, "\(name): find naming another organization") {
            try await store.transaction(scopeB) { try await spec.repository($0).find(record.id, in: owner) }
        }
        try await checkThrows(.tenantMismatch, "\(name): list naming another organization") {
            try await store.transaction(scopeB) {
                try await spec.repository($0).list(in: owner, where: Entity.Filter(), page: .first)
            }
        }
        try await checkThrows(.tenantMismatch, "\(name): count naming another organization") {
            try await store.transaction(scopeB) { try await spec.repository($0).count(in: owner, where: Entity.Filter()) }
        }
        try await checkThrows(.tenantMismatch, "\(name): insert into another organization") {
            try await store.transaction(scopeB) { try await spec.repository($0).insert(spec.make(fixtures, a)) }
        }
        if !Entity.isAppendOnly {
            var changed = stored
            spec.mutate(&changed)
            try await checkThrows(.tenantMismatch, "\(name): update of another organization's record") {
                try await store.transaction(scopeB) { try await spec.repository($0).update(changed) }
            }
            try await checkThrows(.tenantMismatch, "\(name): delete of another organization's record") {
                try await store.transaction(scopeB) { try await spec.repository($0).delete(record.id, in: owner) }
            }
        }
        let intact = try await store.transaction(.organization(owner)) {
            try await spec.repository($0).find(record.id, in: owner)
        }
        try check(intact == stored, "\(name): the owner still sees the record unchanged")
    }
}

/// Views an aggregate's specific repository (`any MemberRepository`) as the generic one the contract loops over.
func generic<R: Repository>(_ repository: R) -> any Repository<R.Entity> { repository }
