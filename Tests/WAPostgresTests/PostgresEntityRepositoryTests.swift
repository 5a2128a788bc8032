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

    /// Runs `body` with the contact repository in a transaction for `scope`.
    func contacts<Result: Sendable>(
        _ runner: PostgresTransactionRunner, _ scope: TransactionScope,
        _ body: (PostgresContactRepository) async throws -> Result
    ) async throws -> Result {
        try await inTransaction(runner, scope, ContactMapping.self) { try await body(PostgresContactRepository(base: $0)) }
    }

    @Test func contactKeysShareOneNamespaceAndFollowTheContact() async throws {
        try await withRunner { runner in
            let org = f.organization()
            let scope = TransactionScope.organization(org.id)
            let ada = f.contact(in: org.id, tags: ["vip"])
            var bob = f.contact(in: org.id)
            let lid = try JID(parsing: "123456789012345@lid")
            bob.lid = lid
            _ = try await contacts(runner, scope) { repository in
                _ = try await repository.insert(ada)
                return try await repository.insert(bob)
            }
            try await contacts(runner, scope) { repository in
                await expectError(.alreadyExists, field: "phone") {
                    try await repository.insert(f.contact(in: org.id, phone: ada.phone))
                }
                var takesBobsLID = f.contact(in: org.id)
                takesBobsLID.jid = lid  // a JID in either slot names one contact
                takesBobsLID.phone = nil
                await expectError(.alreadyExists, field: "jid") { try await repository.insert(takesBobsLID) }
                var selfClash = f.contact(in: org.id)
                selfClash.lid = selfClash.jid
                await expectError(.alreadyExists, field: "jid") { try await repository.insert(selfClash) }
                // The transaction goes on: lookups by phone, JID and LID.
                let byPhone = try await repository.find(phone: try #require(ada.phone), in: org.id)
                let byLID = try await repository.find(jid: lid, in: org.id)
                let byPhones = try await repository.find(phones: [try #require(ada.phone), try #require(bob.phone), f.phone()], in: org.id)
                #expect(byPhone?.id == ada.id && byLID?.id == bob.id)
                #expect(Set(byPhones.map(\.id)) == [ada.id, bob.id])
            }
            let count = try await contacts(runner, scope) { try await $0.count(in: org.id, where: .init()) }
            #expect(count == 2, "the refused inserts left nothing behind")

            // A new number frees the old one; deleting frees every key.
            let newPhone = f.phone()
            try await contacts(runner, scope) { repository in
                var moved = try #require(try await repository.find(ada.id, in: org.id))
                moved.phone = newPhone
                moved.jid = newPhone.jid
                _ = try await repository.update(moved)
                var clash = try #require(try await repository.find(bob.id, in: org.id))
                clash.phone = newPhone
                await expectError(.alreadyExists, field: "phone") { try await repository.update(clash) }
                let oldPhoneHolder = try await repository.find(phone: try #require(ada.phone), in: org.id)
                #expect(oldPhoneHolder == nil)
                _ = try await repository.insert(f.contact(in: org.id, phone: ada.phone))
                try await repository.delete(bob.id, in: org.id)
                let lidHolder = try await repository.find(jid: lid, in: org.id)
                #expect(lidHolder == nil)
            }
            // Filters as `Contact.Filter.matches` says.
            let stored = try await contacts(runner, scope) { try await $0.list(in: org.id, where: .init(), page: .all).items }
            for filter in [
                Contact.Filter(tag: "vip"), Contact.Filter(optedOut: false), Contact.Filter(search: "CONTACT"),
                Contact.Filter(search: String(newPhone.e164.suffix(6))), Contact.Filter(search: "nobody"),
            ] {
                let found = try await contacts(runner, scope) { try await $0.list(in: org.id, where: filter, page: .all).items }
                #expect(found.map(\.id) == stored.filter(filter.matches).map(\.id), "\(filter)")
            }
        }
    }

    @Test func purgingAnOrganizationLeavesNoRowOfItAndEveryRowOfAnother() async throws {
        try await withRunner { runner in
            let doomed = f.organization()
            let kept = f.organization()
            for org in [doomed, kept] {
                let scope = TransactionScope.organization(org.id)
                _ = try await inTransaction(runner, scope, OrganizationMapping.self) { try await $0.insert(org) }
                _ = try await contacts(runner, scope) { try await $0.insert(f.contact(in: org.id)) }
                _ = try await inTransaction(runner, scope, AuditEventMapping.self) { try await $0.insert(f.auditEvent(in: org.id)) }
                let member = f.member(in: org.id)
                _ = try await inTransaction(runner, scope, MemberMapping.self) { try await $0.insert(member) }
                _ = try await inTransaction(runner, scope, APIKeyMapping.self) {
                    try await $0.insert(f.apiKey(in: org.id, createdBy: member.id))
                }
            }
            let all = try await inTransaction(runner, .system, OrganizationMapping.self) { repository in
                try await PostgresOrganizationRepository(base: repository).all(after: nil, limit: 10)
            }
            #expect(Set(all.map(\.id)) == [doomed.id, kept.id])
            await expectError(.tenantMismatch) {
                try await inTransaction(runner, .organization(kept.id), OrganizationMapping.self) {
                    try await PostgresOrganizationRepository(base: $0).all(after: nil, limit: 10)
                }
            }
            try await inTransaction(runner, .organization(doomed.id), OrganizationMapping.self) {
                try await PostgresOrganizationRepository(base: $0).purge(doomed.id)
            }
            let rows = try await runner.run(.system) { connection in
                try await connection.strings(
                    """
                    SELECT organization_id::text FROM organizations UNION ALL SELECT organization_id::text FROM contacts
                    UNION ALL SELECT organization_id::text FROM contact_keys UNION ALL SELECT organization_id::text FROM audit_events
                    UNION ALL SELECT organization_id::text FROM members UNION ALL SELECT organization_id::text FROM api_keys
                    UNION ALL SELECT organization_id::text FROM global_names
                    """)
            }
            #expect(!rows.contains(doomed.id.description))
            // The organization, a contact and its 2 keys, an audit event, a member, a key, and 2 global names.
            #expect(rows.filter { $0 == kept.id.description }.count == 9)
            await expectError(.notFound) {
                try await inTransaction(runner, .organization(doomed.id), OrganizationMapping.self) {
                    try await PostgresOrganizationRepository(base: $0).purge(doomed.id)
                }
            }
        }
    }

    @Test func lookupsByUniqueKeysFindTheirRecordInTheirOrganizationOnly() async throws {
        try await withRunner { runner in
            let org = f.organization()
            let other = f.organization()
            let scope = TransactionScope.organization(org.id)
            let member = f.member(in: org.id, email: "ana@example.com")
            let key = f.apiKey(in: org.id, createdBy: member.id)
            let instance = f.instance(in: org.id, name: "sales")
            let chat = f.chat(in: org.id, instance: instance.id)
            let template = f.template(in: org.id, name: "welcome")
            let endpoint = f.webhookEndpoint(in: org.id)
            let delivery = f.delivery(in: org.id, endpoint: endpoint.id, eventID: "evt_1")
            try await runner.run(scope) { connection -> Void in
                let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                defer { context.close() }
                _ = try await PostgresEntityRepository<MemberMapping>(context: context).insert(member)
                _ = try await PostgresEntityRepository<APIKeyMapping>(context: context).insert(key)
                let running = instance.restored(status: .ready, desiredState: .running)
                _ = try await PostgresEntityRepository<InstanceMapping>(context: context).insert(running)
                _ = try await PostgresEntityRepository<ChatMapping>(context: context).insert(chat)
                _ = try await PostgresEntityRepository<TemplateMapping>(context: context).insert(template)
                _ = try await PostgresEntityRepository<WebhookEndpointMapping>(context: context).insert(endpoint)
                _ = try await PostgresEntityRepository<DeliveryMapping>(context: context).insert(delivery)
            }
            func lookups(_ scope: TransactionScope, _ organization: OrganizationID) async throws -> [String?] {
                try await runner.run(scope) { connection -> [String?] in
                    let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                    defer { context.close() }
                    var found: [String?] = []
                    found.append(
                        try await PostgresMemberRepository(base: .init(context: context))
                            .find(email: "ANA@example.com", in: organization)?.id.description)
                    found.append(
                        try await PostgresAPIKeyRepository(base: .init(context: context))
                            .find(lookupID: key.lookupID)?.id.description)
                    found.append(
                        try await PostgresInstanceRepository(base: .init(context: context))
                            .find(name: "sales", in: organization)?.id.description)
                    found.append(
                        try await PostgresChatRepository(base: .init(context: context))
                            .find(jid: chat.jid, instance: instance.id, in: organization)?.id.description)
                    found.append(
                        try await PostgresTemplateRepository(base: .init(context: context))
                            .find(name: "welcome", in: organization)?.id.description)
                    found.append(
                        try await PostgresDeliveryRepository(base: .init(context: context))
                            .find(eventID: "evt_1", endpoint: endpoint.id, in: organization)?.id.description)
                    return found
                }
            }
            let found = try await lookups(scope, org.id)
            let expected: [String?] = [
                member.id.description, key.id.description, instance.id.description, chat.id.description,
                template.id.description, delivery.id.description,
            ]
            #expect(found == expected)
            let elsewhere = try await lookups(.organization(other.id), other.id)
            #expect(elsewhere.allSatisfy { $0 == nil })
            let running = try await runner.run(.system) { connection -> ([InstanceID], [InstanceID]) in
                let context = PostgresTransactionContext(connection: connection, scope: .system, logger: runner.logger)
                defer { context.close() }
                let repository = PostgresInstanceRepository(base: .init(context: context))
                return (
                    try await repository.desiredRunning(after: nil, limit: 10).map(\.id),
                    try await repository.desiredRunning(after: instance.id, limit: 10).map(\.id)
                )
            }
            #expect(running.0 == [instance.id] && running.1.isEmpty)
        }
    }
}

