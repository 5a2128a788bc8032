import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

@Suite("Contacts and templates")
struct ContactAndTemplateServiceTests {
    let env = ServiceEnvironment.testing()
    var contacts: ContactService { ContactService(environment: env) }
    var templates: TemplateService { TemplateService(environment: env) }

    private func tenant() async throws -> (admin: Member, agent: Member, viewer: Member, org: OrganizationID) {
        let (org, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let (agent, viewer) = try await env.store.transaction(.organization(org.id)) { tx in
            (
                try await tx.members.insert(
                    Member(id: env.ids.make(), organizationID: org.id, email: "bo@example.com", displayName: "Bo",
                           role: .agent, createdAt: env.clock.now())),
                try await tx.members.insert(
                    Member(id: env.ids.make(), organizationID: org.id, email: "cy@example.com", displayName: "Cy",
                           role: .viewer, createdAt: env.clock.now()))
            )
        }
        return (admin, agent, viewer, org.id)
    }

    @Test func contactLifecycle() async throws {
        let t = try await tenant()
        let phone = try PhoneNumber("+49 170 1234567")
        let created = try await contacts.create(phone: phone, name: " Zoë ", tags: ["VIP", "de"], by: .acting(as: t.agent))
        #expect(created.jid == phone.jid && created.name == "Zoë" && created.tags == ["vip", "de"])
        let tagged = try await contacts.tag(created.id, adding: ["Late Payer"], removing: ["DE"], by: .acting(as: t.agent))
        #expect(tagged.tags == ["vip", "late payer"])
        let optedOut = try await contacts.setOptedOut(true, created.id, by: .acting(as: t.agent))
        #expect(optedOut.optedOut && optedOut.optedOutAt != nil)
        #expect(try await contacts.list(by: .acting(as: t.viewer), where: .init(optedOut: true)).items.map(\.id) == [created.id])
        await expectWAError(.permissionDenied) { try await contacts.delete(created.id, by: .acting(as: t.viewer)) }
        await expectWAError(.alreadyExists) { try await contacts.create(phone: phone, by: .acting(as: t.agent)) }
        let badTag = await expectWAError(.invalidArgument) {
            try await contacts.create(phone: try PhoneNumber("+4917012345678"), tags: ["<script>"], by: .acting(as: t.agent))
        }
        #expect(badTag?.field == "tags")
        try await contacts.delete(created.id, by: .acting(as: t.agent))
    }

    @Test func importIsAllOrNothing() async throws {
        let t = try await tenant()
        let csv = """
            Phone,Name,Tags,Opted_Out
            030 1234567,Berlin Office,office;de,no
            +44 20 7946 0958,"London, UK",office,
            12ab,Broken,,
            0151 23456789,Mobile,vip,maybe
            """
        let report = try await contacts.importCSV(csv, defaultRegion: "DE", by: .acting(as: t.admin))
        #expect(!report.committed && report.created == 0)
        #expect(report.errors.map(\.line) == [4, 5])
        #expect(report.errors.map(\.column) == ["phone", "opted_out"])
        #expect(try await contacts.list(by: .acting(as: t.admin)).items.isEmpty)

        let partial = try await contacts.importCSV(csv, defaultRegion: "DE", skipInvalidRows: true, by: .acting(as: t.admin))
        #expect(partial.committed && partial.created == 2 && partial.errors.count == 2)
        let london = try await contacts.list(by: .acting(as: t.admin), where: .init(search: "london")).items
        #expect(london.map(\.phone?.e164) == ["+442079460958"])
    }

    @Test func possibleButInvalidNumbersAreErrorsOrWarningsAsAsked() async throws {
        let t = try await tenant()
        let csv = "phone,name\n+49 30 123456,Berlin\n+1 555 000 1111,Fiction\n+49 30 1,Short\n"
        let strict = try await contacts.importCSV(csv, by: .acting(as: t.admin))
        #expect(!strict.committed && strict.errors.map(\.line) == [3, 4] && strict.warnings.isEmpty)

        let lenient = try await contacts.importCSV(csv, skipInvalidRows: true, numberValidation: .possible, by: .acting(as: t.admin))
        #expect(lenient.committed && lenient.created == 2)
        #expect(lenient.errors.map(\.line) == [4], "too short is not possible either")
        #expect(lenient.warnings.map(\.line) == [3] && lenient.warnings.first?.column == "phone")
        #expect(lenient.warnings.first?.message.contains("+15550001111") == true)
        let fiction = try await contacts.list(by: .acting(as: t.admin), where: .init(search: "Fiction")).items
        #expect(fiction.map(\.phone?.e164) == ["+15550001111"])
    }

    @Test func importUpdatesExistingContactsAndMergesDuplicateRows() async throws {
        let t = try await tenant()
        _ = try await contacts.create(phone: try PhoneNumber("+4930123456"), name: "Old", tags: ["old"], by: .acting(as: t.admin))
        let csv = "phone,name,tags\n030 123456,New,new\n'+49 30 123456,,extra\n+1 650 253 0000,Google,\n"
        let report = try await contacts.importCSV(csv, defaultRegion: "DE", by: .acting(as: t.admin))
        #expect(report.committed && report.created == 1 && report.updated == 1 && report.duplicates == 1)
        let berlin = try #require(try await contacts.list(by: .acting(as: t.admin), where: .init(search: "New")).items.first)
        #expect(berlin.tags == ["old", "new", "extra"])
        let audit = try await env.store.transaction(.organization(t.org)) {
            try await $0.auditEvents.list(in: t.org, where: .init(action: "contacts.imported"), page: .all).items
        }
        #expect(audit.first?.metadata == ["created": "1", "updated": "1", "rejected": "0", "batches": "1"])
    }

    /// A store that fails the `failing`-th transaction opened through it (counting from 1), once.
    final class FailingOnceStore: Store {
        let base: any Store
        let failing: Int
        private let opened = Mutex(0)
        init(_ base: any Store, failing: Int) {
            self.base = base
            self.failing = failing
        }
        var rateLimits: any RateLimitStore { base.rateLimits }
        func transaction<Result>(
            _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
        ) async throws -> Result {
            let number = opened.withLock { count in
                count += 1
                return count
            }
            if number == failing { throw WAError(.internalError, "the database went away") }
            return try await base.transaction(scope, body)
        }
    }

    @Test func largeImportsAreWrittenInBatchesAndAnInterruptedOneFinishesWhenRunAgain() async throws {
        let t = try await tenant()
        let rows = (0..<1_203).map { "+49 30 \(String(1_000_000 + $0)),Row \($0),bulk" }
        let csv = "phone,name,tags\n" + rows.joined(separator: "\n") + "\n"
        // The second transaction the import opens, its second batch, fails.
        var failingEnv = env
        failingEnv.store = FailingOnceStore(env.store, failing: 2)
        await expectWAError(.internalError) {
            try await ContactService(environment: failingEnv).importCSV(csv, by: .acting(as: t.admin))
        }
        func stored() async throws -> (contacts: Int, audits: [AuditEvent]) {
            try await env.store.transaction(.organization(t.org)) { tx in
                (
                    try await tx.contacts.count(in: t.org, where: .init(tag: "bulk")),
                    try await tx.auditEvents.list(in: t.org, where: .init(action: "contacts.imported"), page: .all).items
                )
            }
        }
        let interrupted = try await stored()
        #expect(interrupted.contacts == ContactService.importBatchSize && interrupted.audits.isEmpty)

        let report = try await contacts.importCSV(csv, by: .acting(as: t.admin))
        #expect(report.committed && report.created == 1_203 - 500 && report.updated == 500)
        let finished = try await stored()
        #expect(finished.contacts == 1_203)
        #expect(finished.audits.map(\.metadata) == [["created": "703", "updated": "500", "rejected": "0", "batches": "3"]])
    }

    @Test(arguments: [
        ("", WAError.Code.invalidArgument),  // empty
        ("name\nZoë\n", .invalidArgument),  // no phone column
        ("phone,colour\n+4930123456,red\n", .invalidArgument),  // unknown column
        ("phone\n\"+49", .invalidCSV),  // a quote never closed
    ])
    func importRejectsMalformedFiles(_ csv: String, _ code: WAError.Code) async throws {
        let t = try await tenant()
        await expectWAError(code) { try await contacts.importCSV(csv, by: .acting(as: t.admin)) }
    }

    @Test func importNeedsThePermission() async throws {
        let t = try await tenant()
        await expectWAError(.permissionDenied) {
            try await contacts.importCSV("phone\n+4930123456\n", by: .acting(as: t.agent))
        }
    }

    @Test func templatesRenderStrictly() async throws {
        let t = try await tenant()
        let template = try await templates.create(
            name: "shipping", body: "Hi {{ name }}, order {{order.id}} ships {{when}}. {{not a var}} {{name}}",
            by: .acting(as: t.admin))
        #expect(template.variables == ["name", "order.id", "when"])
        let text = try await templates.render(
            template.id, with: ["name": "Zoë", "order.id": "A-1", "when": "today {{name}}"], by: .acting(as: t.viewer))
        #expect(text == "Hi Zoë, order A-1 ships today {{name}}. {{not a var}} Zoë")
        let missing = await expectWAError(.templateVariableMissing) {
            try await templates.render(template.id, with: ["name": "Zoë"], by: .acting(as: t.viewer))
        }
        #expect(missing?.message.contains("order.id, when") == true)
        let unknown = await expectWAError(.templateVariableUnknown) {
            try await templates.render(
                template.id, with: ["name": "a", "order.id": "b", "when": "c", "nmae": "d"], by: .acting(as: t.viewer))
        }
        #expect(unknown?.message.contains("nmae") == true)
        await expectWAError(.permissionDenied) {
            try await templates.create(name: "x", body: "y", by: .acting(as: t.agent))
        }
        let empty = await expectWAError(.invalidArgument) { try await templates.create(name: "x", body: "  ", by: .acting(as: t.admin)) }
        #expect(empty?.field == "body")
        let renamed = try await templates.update(template.id, name: "shipping-v2", by: .acting(as: t.admin))
        #expect(renamed.name == "shipping-v2" && renamed.body == template.body)
    }
}
