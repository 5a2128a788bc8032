import Foundation
import Logging
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// The generic entity repository on a real server: what the memory store's repository does, entity by entity. (The
/// whole repository contract runs against PostgreSQL once every repository exists; these cases come first.)
@Suite("PostgreSQL entity repository")
struct PostgresEntityRepositoryTests {
    let f = Fixtures()

    /// Runs `body` with a runner over a fresh, migrated database.
    func withRunner(_ body: (PostgresTransactionRunner) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await body(PostgresTransactionRunner(client: client, logger: TestDatabase.logger))
        }
    }

    /// Runs `body` in a transaction for `scope` with the repository of `mapping`.
    func inTransaction<Mapping: PostgresEntityMapping, Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope, _: Mapping.Type,
        _ body: (PostgresEntityRepository<Mapping>) async throws -> Result
    ) async throws -> Result {
        try await runner.run(scope) { connection in
            let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
            defer { context.close() }
            return try await body(PostgresEntityRepository<Mapping>(context: context))
        }
    }

    func expectError<R>(_ code: WAError.Code, field: String? = nil, _ body: () async throws -> R) async {
        do {
            _ = try await body()
            Issue.record("expected \(code), nothing was thrown")
        } catch let error as WAError {
            #expect(error.code == code, "\(error)")
            if let field { #expect(error.field == field, "\(error)") }
        } catch {
            Issue.record("expected \(code), got \(error)")
        }
    }

    @Test func insertFindUpdateDeleteWithVersionsAndUniqueKeys() async throws {
        try await withRunner { runner in
            let org = f.organization()
            let scope = TransactionScope.organization(org.id)
            let template = f.template(in: org.id, name: "welcome")
            let inserted = try await inTransaction(runner, scope, TemplateMapping.self) { try await $0.insert(template) }
            var expected = template
            expected.version = 1
            #expect(inserted == expected)
            let value1 = try await inTransaction(runner, scope, TemplateMapping.self) { try await $0.find(template.id, in: org.id) }
            #expect(value1 == expected)

            // A second record with the same name, or the same id: already_exists naming the key; the transaction
            // goes on and commits the rest.
            let other = f.template(in: org.id, name: "other")
            try await inTransaction(runner, scope, TemplateMapping.self) { repository in
                await expectError(.alreadyExists, field: "name") {
                    try await repository.insert(f.template(in: org.id, name: "welcome"))
                }
                await expectError(.alreadyExists, field: "id") { try await repository.insert(template) }
                _ = try await repository.insert(other)
            }
            let value2 = try await inTransaction(runner, scope, TemplateMapping.self) { try await $0.count(in: org.id, where: .init()) }
            #expect(value2 == 2)

            // Updates bump the version; a stale one is a version conflict; taking another's name is already_exists
            // and leaves the transaction usable.
            var renamed = inserted
            renamed.body = "Hello {{name}}"
            let updated = try await inTransaction(runner, scope, TemplateMapping.self) { try await $0.update(renamed) }
            #expect(updated.version == 2)
            try await inTransaction(runner, scope, TemplateMapping.self) { repository in
                await expectError(.versionConflict, field: "version") { try await repository.update(renamed) }
                var clash = updated
                clash.name = "other"
                await expectError(.alreadyExists, field: "name") { try await repository.update(clash) }
                var missing = f.template(in: org.id)
                missing.version = 1
                await expectError(.notFound) { try await repository.update(missing) }
                _ = try await repository.find(other.id, in: org.id)
            }

            // Another organization's transaction sees nothing of it and may not name it.
            let stranger = f.organization()
            try await inTransaction(runner, .organization(stranger.id), TemplateMapping.self) { repository in
                let found1 = try await repository.find(template.id, in: stranger.id)
                #expect(found1 == nil)
                await expectError(.tenantMismatch) { try await repository.find(template.id, in: org.id) }
            }

            try await inTransaction(runner, scope, TemplateMapping.self) { try await $0.delete(template.id, in: org.id) }
            try await inTransaction(runner, scope, TemplateMapping.self) { repository in
                let found2 = try await repository.find(template.id, in: org.id)
                #expect(found2 == nil)
                await expectError(.notFound) { try await repository.delete(template.id, in: org.id) }
            }
        }
    }

    @Test func globalNamesAreUniqueAcrossOrganizationsAndFollowTheRecord() async throws {
        try await withRunner { runner in
            let first = f.organization()
            var second = f.organization()
            _ = try await inTransaction(runner, .organization(first.id), OrganizationMapping.self) { try await $0.insert(first) }
            second.slug = first.slug
            await expectError(.alreadyExists, field: "slug") {
                try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) { try await $0.insert(second) }
            }
            second.slug = "other-\(f.token())"
            let stored = try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) {
                try await $0.insert(second)
            }
            // The slug is found by the system, and by the organization itself only.
            let slug = UniqueKey("slug", first.slug, global: true)
            let value3 = try await inTransaction(runner, .system, OrganizationMapping.self) { try await $0.find(global: slug, in: nil) }
            #expect(value3?.id == first.id)
            let hidden = try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) {
                try await $0.find(global: slug, in: second.id)
            }
            #expect(hidden == nil)
            // Renaming frees the old slug; taking a held one is refused.
            var renamed = stored
            renamed.slug = "renamed-\(f.token())"
            _ = try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) { try await $0.update(renamed) }
            var third = f.organization()
            third.slug = second.slug
            _ = try await inTransaction(runner, .organization(third.id), OrganizationMapping.self) { try await $0.insert(third) }
            var clash = try #require(
                try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) {
                    try await $0.find(second.id, in: second.id)
                })
            clash.slug = first.slug
            await expectError(.alreadyExists, field: "slug") {
                try await inTransaction(runner, .organization(second.id), OrganizationMapping.self) { try await $0.update(clash) }
            }
            let byNewSlug = try await inTransaction(runner, .system, OrganizationMapping.self) {
                try await $0.find(global: UniqueKey("slug", renamed.slug, global: true), in: nil)
            }
            #expect(byNewSlug?.id == second.id)
        }
    }

    /// Lists and counts give exactly what `Filter.matches` gives, for many filters over many records, in pages of
    /// both orders.
    @Test func filtersAndPagesMatchTheReferenceMeaning() async throws {
        try await withRunner { runner in
            let org = f.organization()
            let scope = TransactionScope.organization(org.id)
            let instances = (0..<3).map { _ in f.instance(in: org.id).id }
            let members: [Member] = (0..<40).map { index in
                var member = f.member(in: org.id, role: Role.allCases[index % Role.allCases.count])
                member.isActive = index % 3 != 0
                member.assignedInstances = Set(instances.enumerated().filter { (index >> $0.offset) & 1 == 1 }.map(\.element))
                return member
            }
            var events: [AuditEvent] = []
            for (index, member) in members.enumerated() {
                let actor: AuditEvent.Actor = index % 3 == 0 ? .system : index % 3 == 1 ? .member(member.id) : .apiKey(f.ids.make(), onBehalfOf: member.id)
                events.append(f.auditEvent(in: org.id, actor: actor, action: ["member.invited", "member.removed", "member_x.y", "contact.created"][index % 4]))
            }
            try await inTransaction(runner, scope, MemberMapping.self) { repository in
                for member in members { _ = try await repository.insert(member) }
            }
            try await inTransaction(runner, scope, AuditEventMapping.self) { repository in
                for event in events { _ = try await repository.insert(event) }
            }
            var memberFilters: [Member.Filter] = [Member.Filter()]
            for role in Role.allCases { memberFilters.append(Member.Filter(role: role)) }
            for active in [true, false] { memberFilters.append(Member.Filter(isActive: active)) }
            for instance in instances { memberFilters.append(Member.Filter(role: .agent, assignedTo: instance)) }
            for filter in memberFilters {
                let expected = members.filter(filter.matches).map(\.id).sorted()
                for order in [SortOrder.oldestFirst, .newestFirst] {
                    var seen: [MemberID] = []
                    var page = try PageRequest(limit: 7, order: order)
                    while true {
                        let found = try await inTransaction(runner, scope, MemberMapping.self) {
                            try await $0.list(in: org.id, where: filter, page: page)
                        }
                        seen += found.items.map(\.id)
                        guard let next = found.nextCursor else { break }
                        page = try PageRequest(limit: 7, cursor: next, order: order)
                    }
                    #expect(seen == (order == .oldestFirst ? expected : expected.reversed()), "\(filter) \(order)")
                }
                let counted = try await inTransaction(runner, scope, MemberMapping.self) { try await $0.count(in: org.id, where: filter) }
                #expect(counted == expected.count, "\(filter)")
            }
            let middle = events[20].occurredAt
            let eventFilters: [AuditEvent.Filter] = [
                AuditEvent.Filter(action: "member."), AuditEvent.Filter(action: "member_"),
                AuditEvent.Filter(action: "member.invited"), AuditEvent.Filter(actor: .system),
                AuditEvent.Filter(actor: events[1].actor), AuditEvent.Filter(actor: events[2].actor),
                AuditEvent.Filter(resourceID: events[5].resourceID), AuditEvent.Filter(since: middle),
                AuditEvent.Filter(action: "member.", until: middle),
            ]
            for filter in eventFilters {
                let expected = events.filter(filter.matches).map(\.id).sorted()
                let found = try await inTransaction(runner, scope, AuditEventMapping.self) {
                    try await $0.list(in: org.id, where: filter, page: .all).items.map(\.id)
                }
                #expect(found == expected, "\(filter)")
            }
            // Audit events are append-only.
            await expectError(.immutableRecord) {
                try await inTransaction(runner, scope, AuditEventMapping.self) { try await $0.update(events[0]) }
            }
            await expectError(.immutableRecord) {
                try await inTransaction(runner, scope, AuditEventMapping.self) { try await $0.delete(events[0].id, in: org.id) }
            }
        }
    }
}
