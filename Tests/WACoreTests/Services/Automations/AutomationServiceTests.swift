import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Automation service")
struct AutomationServiceTests {
    /// An organization with an admin, a template, an instance and the service.
    struct Setup {
        let env: ServiceEnvironment
        let service: AutomationService
        let team: TeamService
        let admin: Member
        let template: Template
        let instance: Instance

        init() async throws {
            env = ServiceEnvironment.testing()
            service = AutomationService(environment: env)
            team = TeamService(environment: env)
            (_, admin) = try await team.createOrganization(
                name: "Shop", slug: "shop", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
                adminPassword: "correct horse battery staple")
            template = try await TemplateService(environment: env).create(
                name: "welcome", body: "Hi {{first_name}}! We reply within a day.", by: .acting(as: admin))
            let org = admin.organizationID
            let now = env.clock.now()
            let id: InstanceID = env.ids.make()
            instance = try await env.store.transaction(.organization(org)) { tx in
                try await tx.instances.insert(Instance(id: id, organizationID: org, name: "main", createdAt: now))
            }
        }

        func member(_ role: Role, _ email: String) async throws -> Member {
            try await team.invite(email: email, displayName: "Someone", role: role, by: .acting(as: admin)).member
        }

        func auditActions() async throws -> [String] {
            let org = admin.organizationID
            return try await env.store.transaction(.organization(org)) {
                try await $0.auditEvents.list(in: org, where: .init(action: "automation."), page: .all).items.map(\.action)
            }
        }
    }

    @Test func createReadUpdateEnableDelete() async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        let created = try await s.service.create(
            name: "  Welcome  ", trigger: .keyword("  Hello ", wholeMessage: false),
            actions: [.replyWithTemplate(s.template.id), .tagContact("Lead"), .assignMember(s.admin.id),
                      .emitWebhookEvent("crm.lead")],
            cooldownSeconds: 600, by: admin)
        #expect(created.name == "Welcome" && created.isEnabled && created.instanceID == nil)
        #expect(created.trigger == .keyword("Hello", wholeMessage: false))
        #expect(created.actions[1] == .tagContact("lead"), "tags are stored lower-cased")
        #expect(try await s.service.get(created.id, by: admin) == created)

        let moved = try await s.service.update(
            created.id, name: "Greeting", instanceID: .some(s.instance.id), trigger: .firstMessageFromNewContact,
            cooldownSeconds: 0, by: admin)
        #expect(moved.name == "Greeting" && moved.instanceID == s.instance.id && moved.cooldownSeconds == 0)
        #expect(moved.trigger == .firstMessageFromNewContact && moved.actions == created.actions)
        let orgWide = try await s.service.update(created.id, instanceID: .some(nil), by: admin)
        #expect(orgWide.instanceID == nil)

        let disabled = try await s.service.setEnabled(false, created.id, by: admin)
        #expect(!disabled.isEnabled)
        #expect(try await s.service.setEnabled(false, created.id, by: admin) == disabled, "no change, no write")
        #expect(try await s.service.list(by: admin, where: .init(isEnabled: true)).items.isEmpty)
        #expect(try await s.service.setEnabled(true, created.id, by: admin).isEnabled)
        #expect(try await s.service.list(by: admin, where: .init(appliesTo: s.instance.id)).items.map(\.id) == [created.id])

        try await s.service.delete(created.id, by: admin)
        await expectWAError(.notFound) { try await s.service.get(created.id, by: admin) }
        #expect(
            try await s.auditActions() == [
                "automation.created", "automation.updated", "automation.updated", "automation.disabled",
                "automation.enabled", "automation.deleted",
            ])
    }

    @Test func instanceScopedAutomationsApplyToTheirInstanceAndOrganizationWideOnesToAll() async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        let everywhere = try await s.service.create(
            name: "all", trigger: .firstMessageFromNewContact, actions: [.tagContact("new")], by: admin)
        let scoped = try await s.service.create(
            name: "main only", instanceID: s.instance.id, trigger: .firstMessageFromNewContact,
            actions: [.tagContact("main")], by: admin)
        let other: InstanceID = s.env.ids.make()
        #expect(
            Set(try await s.service.list(by: admin, where: .init(appliesTo: s.instance.id)).items.map(\.id))
                == [everywhere.id, scoped.id])
        #expect(try await s.service.list(by: admin, where: .init(appliesTo: other)).items.map(\.id) == [everywhere.id])
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        enum Change: Sendable {
            case name(String)
            case unknownInstance
            case trigger(Automation.Trigger)
            case noActions
            case tooManyActions
            case unknownTemplate
            case templateWithUnsupportedVariable
            case tag(String)
            case unknownMember
            case inactiveMember
            case event(String)
            case cooldown(Int)
        }

        var change: Change
        var code: WAError.Code
        var field: String
        var testDescription: String { "\(change) → \(code) (\(field))" }
    }

    static let invalid: [Invalid] = [
        .init(change: .name(" "), code: .invalidArgument, field: "name"),
        .init(change: .name(String(repeating: "n", count: 101)), code: .invalidArgument, field: "name"),
        .init(change: .unknownInstance, code: .notFound, field: "instance_id"),
        .init(change: .trigger(.keyword("", wholeMessage: true)), code: .invalidArgument, field: "trigger.keyword"),
        .init(change: .trigger(.regex("a(b")), code: .invalidRegex, field: "trigger.pattern"),
        .init(change: .trigger(.outsideBusinessHours(.init(timeZone: "Nowhere/Special", weekdays: [1],
                                                            opensAtMinute: 0, closesAtMinute: 60))),
              code: .unknownTimeZone, field: "trigger.business_hours.time_zone"),
        .init(change: .trigger(.outsideBusinessHours(.init(timeZone: "UTC", weekdays: [1], opensAtMinute: 60,
                                                            closesAtMinute: 60))),
              code: .invalidBusinessHours, field: "trigger.business_hours.closes_at_minute"),
        .init(change: .noActions, code: .invalidArgument, field: "actions"),
        .init(change: .tooManyActions, code: .invalidArgument, field: "actions"),
        .init(change: .unknownTemplate, code: .notFound, field: "actions[0].template_id"),
        .init(change: .templateWithUnsupportedVariable, code: .unsupportedTemplateVariable, field: "actions[0].template_id"),
        .init(change: .tag("no:colons"), code: .invalidArgument, field: "actions[0].tag"),
        .init(change: .tag(""), code: .invalidArgument, field: "actions[0].tag"),
        .init(change: .unknownMember, code: .notFound, field: "actions[0].member_id"),
        .init(change: .inactiveMember, code: .memberInactive, field: "actions[0].member_id"),
        .init(change: .event("Lead Won"), code: .invalidEventType, field: "actions[0].name"),
        .init(change: .event(""), code: .invalidEventType, field: "actions[0].name"),
        .init(change: .cooldown(-1), code: .invalidArgument, field: "cooldown_seconds"),
        .init(change: .cooldown(30 * 86_400 + 1), code: .invalidArgument, field: "cooldown_seconds"),
    ]

    @Test(arguments: invalid)
    func invalidAutomationsAreRefusedWithTypedErrors(_ testCase: Invalid) async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        var name = "rule"
        var instance: InstanceID?
        var trigger = Automation.Trigger.keyword("hello", wholeMessage: false)
        var actions: [Automation.Action] = [.replyWithTemplate(s.template.id)]
        var cooldown = 3_600
        switch testCase.change {
        case .name(let value): name = value
        case .unknownInstance: instance = s.env.ids.make()
        case .trigger(let value): trigger = value
        case .noActions: actions = []
        case .tooManyActions: actions = Array(repeating: .tagContact("x"), count: 11)
        case .unknownTemplate: actions = [.replyWithTemplate(s.env.ids.make())]
        case .templateWithUnsupportedVariable:
            let template = try await TemplateService(environment: s.env).create(
                name: "order", body: "Order {{order_id}} shipped", by: admin)
            actions = [.replyWithTemplate(template.id)]
        case .tag(let value): actions = [.tagContact(value)]
        case .unknownMember: actions = [.assignMember(s.env.ids.make())]
        case .inactiveMember:
            let agent = try await s.member(.agent, "bo@example.com")
            _ = try await s.team.deactivate(agent.id, by: admin)
            actions = [.assignMember(agent.id)]
        case .event(let value): actions = [.emitWebhookEvent(value)]
        case .cooldown(let value): cooldown = value
        }
        let error = await expectWAError(testCase.code) {
            try await s.service.create(
                name: name, instanceID: instance, trigger: trigger, actions: actions, cooldownSeconds: cooldown,
                by: admin)
        }
        #expect(error?.field == testCase.field)
        #expect(try await s.service.list(by: admin).items.isEmpty, "nothing was stored")
        #expect(try await s.auditActions().isEmpty)
    }

    @Test func updatesAreValidatedToo() async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        let rule = try await s.service.create(
            name: "rule", trigger: .keyword("hi", wholeMessage: true), actions: [.tagContact("x")], by: admin)
        await expectWAError(.invalidRegex) {
            try await s.service.update(rule.id, trigger: .regex("(?<"), by: admin)
        }
        let badTemplate = await expectWAError(.notFound) {
            try await s.service.update(rule.id, actions: [.tagContact("y"), .replyWithTemplate(s.env.ids.make())], by: admin)
        }
        #expect(badTemplate?.field == "actions[1].template_id")
        #expect(try await s.service.get(rule.id, by: admin) == rule)
    }

    @Test func enablingChecksReferencesAgain() async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        let agent = try await s.member(.agent, "bo@example.com")
        let rule = try await s.service.create(
            name: "assign", trigger: .firstMessageFromNewContact, actions: [.assignMember(agent.id)], isEnabled: false,
            by: admin)
        _ = try await s.team.deactivate(agent.id, by: admin)
        await expectWAError(.memberInactive) { try await s.service.setEnabled(true, rule.id, by: admin) }
        #expect(try await s.service.get(rule.id, by: admin).isEnabled == false)
    }

    @Test func permissions() async throws {
        let s = try await Setup()
        let admin = Principal.acting(as: s.admin)
        let rule = try await s.service.create(
            name: "rule", trigger: .keyword("hi", wholeMessage: true), actions: [.tagContact("x")], by: admin)
        let viewer = Principal.acting(as: try await s.member(.viewer, "vi@example.com"))
        let agent = Principal.acting(as: try await s.member(.agent, "ag@example.com"))
        let manager = Principal.acting(as: try await s.member(.manager, "ma@example.com"))

        // Viewers and agents read…
        for reader in [viewer, agent] {
            #expect(try await s.service.get(rule.id, by: reader) == rule)
            #expect(try await s.service.list(by: reader).items.count == 1)
        }
        // …but only managers and admins change.
        for principal in [viewer, agent] {
            await expectWAError(.permissionDenied) {
                try await s.service.create(
                    name: "x", trigger: .firstMessageFromNewContact, actions: [.tagContact("x")], by: principal)
            }
            await expectWAError(.permissionDenied) { try await s.service.update(rule.id, name: "y", by: principal) }
            await expectWAError(.permissionDenied) { try await s.service.setEnabled(false, rule.id, by: principal) }
            await expectWAError(.permissionDenied) { try await s.service.delete(rule.id, by: principal) }
        }
        #expect(try await s.service.update(rule.id, name: "renamed", by: manager).name == "renamed")

        // An API key without automations:read cannot read.
        let keys = APIKeyService(environment: s.env)
        let issued = try await keys.issue(name: "sender", scopes: [.messagesSend], by: admin)
        let key = try await keys.authenticate(issued.secret.reveal()).principal
        await expectWAError(.permissionDenied) { try await s.service.list(by: key) }

        // Another organization sees nothing.
        let (_, stranger) = try await s.team.createOrganization(
            name: "Other", slug: "other", adminEmail: "eve@example.com", adminName: "Eve",
            adminPassword: "correct horse battery staple")
        await expectWAError(.notFound) { try await s.service.get(rule.id, by: .acting(as: stranger)) }
        let elsewhere = await expectWAError(.notFound) {
            try await s.service.create(
                name: "x", trigger: .firstMessageFromNewContact, actions: [.replyWithTemplate(s.template.id)],
                by: .acting(as: stranger))
        }
        #expect(elsewhere?.field == "actions[0].template_id")
    }
}
