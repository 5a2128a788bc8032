import Foundation
import Testing
@testable import WACore
import WACoreTesting

/// The engine in the real pipeline: simulated phones write to a linked instance, `MessageEventHandler` stores the
/// messages and calls `engine.handleInbound`, the dispatcher delivers replies — all in virtual time.
@Suite("Automation engine")
struct AutomationEngineTests {
    static let office = Automation.BusinessHours(
        timeZone: "Europe/Berlin", weekdays: [1, 2, 3, 4, 5], opensAtMinute: 9 * 60, closesAtMinute: 17 * 60)

    static func berlin(_ day: Int, _ hour: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        return calendar.date(from: DateComponents(year: 2026, month: 1, day: day, hour: hour))!
    }

    struct TriggerCase: Sendable, CustomTestStringConvertible {
        var label: String
        var trigger: Automation.Trigger
        var text: String
        /// When the customer writes (default: the test clock's start, Thursday 2026-01-01 01:00 in Berlin).
        var at: Date?
        var fires: Bool
        var testDescription: String { label }
    }

    static let triggerCases: [TriggerCase] = [
        .init(label: "keyword contained", trigger: .keyword("price", wholeMessage: false), text: "What's the price?", fires: true),
        .init(label: "keyword inside a word", trigger: .keyword("price", wholeMessage: false), text: "priceless!", fires: false),
        .init(label: "whole-message keyword", trigger: .keyword("menu", wholeMessage: true), text: " MENU ", fires: true),
        .init(label: "whole-message keyword, more text", trigger: .keyword("menu", wholeMessage: true), text: "menu please", fires: false),
        .init(label: "regex matches", trigger: .regex(#"(?i)^order\s+#?\d+$"#), text: "Order #42", fires: true),
        .init(label: "regex does not match", trigger: .regex(#"(?i)^order\s+#?\d+$"#), text: "where is my order 42", fires: false),
        .init(label: "first message from a new contact", trigger: .firstMessageFromNewContact, text: "hello", fires: true),
        .init(label: "outside business hours (Monday 20:00 Berlin)", trigger: .outsideBusinessHours(office), text: "hello",
              at: berlin(5, 20), fires: true),
        .init(label: "outside business hours (Saturday 11:00 Berlin)", trigger: .outsideBusinessHours(office), text: "hello",
              at: berlin(10, 11), fires: true),
        .init(label: "inside business hours (Monday 10:00 Berlin)", trigger: .outsideBusinessHours(office), text: "hello",
              at: berlin(5, 10), fires: false),
    ]

    @Test(arguments: triggerCases)
    func eachTriggerFiresOrNot(_ testCase: TriggerCase) async throws {
        let h = try await AutomationHarness(start: testCase.at)
        try await h.autoReply(testCase.trigger, text: "Auto-reply for {{name}}")
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: testCase.text, to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada) == (testCase.fires ? ["Auto-reply for Ada"] : []))
        #expect(try await h.inbound().count == 1)
        #expect(try await h.auditEvents(AutomationRunRecord.fired).count == (testCase.fires ? 1 : 0))
        #expect(h.errors.all.isEmpty)
    }

    @Test func onlyTheFirstInboundMessageIsFromANewContact() async throws {
        let h = try await AutomationHarness()
        try await h.autoReply(.firstMessageFromNewContact, text: "Welcome!")
        // A contact that exists (imported) but never wrote counts as new.
        let ada = try h.phone("1234567", name: "Ada")
        _ = try await ContactService(environment: h.env).create(phone: ada.number, name: "Ada", by: h.shop.principal)
        _ = try ada.send(text: "hello", to: h.shop.phone.number)
        try await h.settle()
        h.clock.advance(by: .seconds(3_600))
        _ = try ada.send(text: "me again", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada) == ["Welcome!"])
        #expect(try await h.inbound().count == 2)
        #expect(try await h.auditEvents(AutomationRunRecord.fired).count == 1)
        #expect(try await h.auditEvents(AutomationRunRecord.suppressed).isEmpty)
    }

    @Test func actionsRunInOrderWithTheirEffects() async throws {
        let h = try await AutomationHarness()
        let (agent, _) = try await TeamService(environment: h.env).invite(
            email: "bo@example.com", displayName: "Bo", role: .agent, by: h.shop.principal)
        let welcome = try await h.template("Hi {{first_name}}, thanks for writing! ({{phone}})")
        let rule = try await h.automations.create(
            name: "lead", trigger: .keyword("hello", wholeMessage: false),
            actions: [.tagContact("Lead"), .replyWithTemplate(welcome.id), .assignMember(agent.id),
                      .emitWebhookEvent("crm.lead_captured")],
            by: h.shop.principal)
        let ada = try h.phone("1234567", name: "Ada Lovelace")
        _ = try ada.send(text: "Hello there", to: h.shop.phone.number)
        try await h.settle()

        // Reply: delivered to the phone, rendered from the contact.
        #expect(h.texts(ada) == ["Hi Ada, thanks for writing! (+491701234567)"])
        let inbound = try #require(try await h.inbound().first)
        let reply = try #require(try await h.automatedReplies().first)
        #expect(reply.idempotencyKey == AutomationReplyKey.make(automation: rule.id, inbound: inbound.id, action: 1))
        #expect(reply.status.rank! >= MessageStatus.sent.rank! && reply.chatJID == ada.jid)
        // Tag and assignment.
        let contact = try await h.contact(ada)
        #expect(contact.tags == ["lead", AutomationAssignment.tag(for: agent.id)])
        #expect(AutomationAssignment.assignee(of: contact) == agent.id)
        // Custom webhook event, in the same organization and instance.
        let event = try #require(h.webhooks.events.first { $0.type.rawValue == "automation.crm.lead_captured" })
        #expect(event.organizationID == h.shop.organization.id && event.instanceID == h.shop.instance.id)
        #expect(event.data["automation_id"]?.stringValue == rule.id.description)
        #expect(event.data["contact_id"]?.stringValue == contact.id.description)
        #expect(event.data["message"]?["id"]?.stringValue == inbound.id.description)
        // The run, in the audit log.
        let run = try #require(try await h.auditEvents(AutomationRunRecord.fired).first)
        #expect(run.actor == .system)
        #expect(run.resourceID == AutomationRunRecord.resourceID(automation: rule.id, contact: contact.id))
        #expect(run.metadata[AutomationRunRecord.messageKey] == inbound.id.description)
        #expect(run.metadata[AutomationRunRecord.repliesKey] == reply.id.description)
        #expect(run.metadata[AutomationRunRecord.failedActionsKey] == nil)
        #expect(h.errors.all.isEmpty)
    }

    @Test func assigningReplacesTheEarlierAssignee() async throws {
        let h = try await AutomationHarness()
        let team = TeamService(environment: h.env)
        let (bo, _) = try await team.invite(email: "bo@example.com", displayName: "Bo", role: .agent, by: h.shop.principal)
        let (cy, _) = try await team.invite(email: "cy@example.com", displayName: "Cy", role: .agent, by: h.shop.principal)
        _ = try await h.automations.create(
            name: "sales", trigger: .keyword("buy", wholeMessage: false), actions: [.assignMember(bo.id)],
            by: h.shop.principal)
        _ = try await h.automations.create(
            name: "support", trigger: .keyword("broken", wholeMessage: false), actions: [.assignMember(cy.id)],
            by: h.shop.principal)
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "I want to buy", to: h.shop.phone.number)
        try await h.settle()
        #expect(AutomationAssignment.assignee(of: try await h.contact(ada)) == bo.id)
        _ = try ada.send(text: "it arrived broken", to: h.shop.phone.number)
        try await h.settle()
        let contact = try await h.contact(ada)
        #expect(AutomationAssignment.assignee(of: contact) == cy.id)
        #expect(contact.tags == [AutomationAssignment.tag(for: cy.id)])
    }

    @Test func aFailingActionIsRecordedAndTheOthersStillRun() async throws {
        let h = try await AutomationHarness()
        let (bo, _) = try await TeamService(environment: h.env).invite(
            email: "bo@example.com", displayName: "Bo", role: .agent, by: h.shop.principal)
        let rule = try await h.autoReply(
            .keyword("hello", wholeMessage: false), text: "Hi!", extra: [.tagContact("vip"), .assignMember(bo.id)])
        _ = try await TeamService(environment: h.env).deactivate(bo.id, by: h.shop.principal)
        let ada = try h.phone("1234567", name: "Ada")
        let contacts = ContactService(environment: h.env)
        let existing = try await contacts.create(phone: ada.number, by: h.shop.principal)
        _ = try await contacts.setOptedOut(true, existing.id, by: h.shop.principal)
        _ = try ada.send(text: "hello", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada).isEmpty, "opted-out contacts get no replies")
        #expect(try await h.contact(ada).tags == ["vip"])
        let run = try #require(try await h.auditEvents(AutomationRunRecord.fired).first)
        #expect(run.metadata[AutomationRunRecord.failedActionsKey] == "0:recipient_opted_out,2:member_inactive")
        #expect(run.resourceID?.hasPrefix(rule.id.description) == true)
    }

    @Test func theCooldownHoldsPerAutomationAndContact() async throws {
        let h = try await AutomationHarness()
        try await h.autoReply(.keyword("price", wholeMessage: false), text: "Prices: see our catalogue", cooldown: 3_600)
        let ada = try h.phone("1234567", name: "Ada")
        let bob = try h.phone("7654321", name: "Bob")
        let start = h.clock.now()
        _ = try ada.send(text: "price?", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada).count == 1)

        // Inside the window: Ada gets nothing; Bob, another contact, does.
        h.clock.set(start.addingTimeInterval(600))
        _ = try ada.send(text: "what was the price again?", to: h.shop.phone.number)
        _ = try bob.send(text: "price", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada).count == 1)
        #expect(h.texts(bob).count == 1)

        // After the window: Ada gets a reply again.
        h.clock.set(start.addingTimeInterval(3_700))
        _ = try ada.send(text: "price now?", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada) == ["Prices: see our catalogue", "Prices: see our catalogue"])
        #expect(try await h.auditEvents(AutomationRunRecord.fired).count == 3)
    }

    @Test func theCooldownIsReportedAsADecision() async throws {
        let h = try await AutomationHarness()
        let rule = try await h.autoReply(.keyword("price", wholeMessage: false), text: "Prices", cooldown: 3_600)
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "price?", to: h.shop.phone.number)
        try await h.settle()
        h.clock.advance(by: .seconds(600))
        // A message stored directly, then handed to the engine.
        let incoming = IncomingMessage(
            whatsappID: "false_\(ada.jid)_MANUAL1", chat: ada.jid, sender: ada.jid, kind: .text, body: "price",
            timestamp: h.clock.now())
        let (message, contact) = try #require(try await h.shop.handler.receivedFromContact(incoming, h.shop.instance))
        let fired = try #require(try await h.auditEvents(AutomationRunRecord.fired).first)
        #expect(
            try await h.engine.process(message, from: contact) == [
                AutomationOutcome(
                    automationID: rule.id, decision: .coolingDown(until: fired.occurredAt.addingTimeInterval(3_600)))
            ])
    }

    @Test func twoGatewaysWithAutoRepliesToEachOtherStop() async throws {
        let h = try await AutomationHarness()
        let bot = try await h.addGateway(name: "Bot", slug: "bot", digits: "0000002")
        // Each answers anything containing "hello", with no cool-down at all.
        try await h.autoReply(.keyword("hello", wholeMessage: false), text: "hello from the shop")
        try await h.autoReply(.keyword("hello", wholeMessage: false), text: "hello from the bot", in: bot)
        // A person at the bot's gateway starts the conversation.
        _ = try await h.messaging.send(
            .text("hello shop", to: h.shop.phone.number, from: bot.instance.id), by: bot.principal)
        try await h.settle()

        let shopReplies = try await h.automatedReplies()
        let botReplies = try await h.automatedReplies(in: bot)
        #expect(shopReplies.count == 1 && botReplies.count == 1)
        #expect(h.network.messages.count == 3, "hello shop → shop auto-reply → bot auto-reply, then silence")
        let suppressed = try await h.auditEvents(AutomationRunRecord.suppressed)
        #expect(suppressed.map { $0.metadata[AutomationRunRecord.reasonKey] } == ["reply_to_automated_reply"])
        #expect(h.errors.all.isEmpty)
    }

    @Test func aSlowAutoResponderIsStoppedByTheConsecutiveReplyLimit() async throws {
        let h = try await AutomationHarness()
        try await h.autoReply(.regex("."), text: "Thanks, we got your message")
        let ada = try h.phone("1234567", name: "Ada")
        // Ada's phone answers everything after two minutes: too slow for the reply-window rule.
        ada.setReplyScript(.echo(prefix: "Auto: ", delay: .seconds(120)))
        _ = try ada.send(text: "hi", to: h.shop.phone.number)
        try await h.settle()
        #expect(try await h.automatedReplies().count == 3)
        #expect(h.texts(ada).count == 3)
        let suppressed = try await h.auditEvents(AutomationRunRecord.suppressed)
        #expect(suppressed.map { $0.metadata[AutomationRunRecord.reasonKey] } == ["consecutive_reply_limit"])

        // A person answering from the gateway resets the run; the next message is answered automatically again.
        ada.setReplyScript(nil)
        _ = try await h.messaging.send(.text("Sorry, a human here.", to: ada.number, from: h.shop.instance.id),
                                       by: h.shop.principal)
        try await h.settle()
        h.clock.advance(by: .seconds(600))
        _ = try ada.send(text: "ok, thanks", to: h.shop.phone.number)
        try await h.settle()
        #expect(try await h.automatedReplies().count == 4)
    }

    @Test func aQuickAnswerToAnAutoReplyGetsNoAutoReply() async throws {
        let h = try await AutomationHarness(loopGuard: AutomationLoopGuard(replyWindow: .seconds(30)))
        try await h.autoReply(.regex("."), text: "Thanks, we got your message")
        let ada = try h.phone("1234567", name: "Ada")
        ada.setReplyScript(.echo(prefix: "Auto: ", delay: .seconds(1)))
        _ = try ada.send(text: "hi", to: h.shop.phone.number)
        try await h.settle()
        #expect(try await h.automatedReplies().count == 1)
        #expect(try await h.inbound().count == 2)
    }

    @Test func reprocessingTheSameInboundNeverRepliesTwice() async throws {
        let h = try await AutomationHarness()
        let rule = try await h.autoReply(.keyword("hello", wholeMessage: false), text: "Hi!", extra: [.emitWebhookEvent("greeted")])
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "hello", to: h.shop.phone.number)
        try await h.settle()
        let inbound = try #require(try await h.inbound().first)
        let contact = try await h.contact(ada)
        #expect(try await h.engine.process(inbound, from: contact) == [.init(automationID: rule.id, decision: .alreadyHandled)])
        await h.engine.handleInbound(inbound, from: contact)
        try await h.settle()
        #expect(h.texts(ada) == ["Hi!"])
        #expect(try await h.allJobs().count == 1)
        #expect(h.webhooks.events.filter { $0.type.rawValue == "automation.greeted" }.count == 1)
        #expect(try await h.auditEvents(AutomationRunRecord.fired).count == 1)
    }

    @Test func aRunInterruptedAfterQueueingItsReplyCompletesWithoutASecondReply() async throws {
        let h = try await AutomationHarness()
        let rule = try await h.automations.create(
            name: "greet", trigger: .keyword("hello", wholeMessage: false),
            actions: [.replyWithTemplate(try await h.template("Hi!").id), .tagContact("greeted")], isEnabled: false,
            by: h.shop.principal)
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "hello", to: h.shop.phone.number)
        try await h.settle()
        let inbound = try #require(try await h.inbound().first)
        _ = try await h.automations.setEnabled(true, rule.id, by: h.shop.principal)
        // The first attempt queued the reply and stopped before recording the run.
        let queued = try await h.messaging.send(
            .init(instanceID: h.shop.instance.id, recipient: .jid(ada.jid), content: .text("Hi!"),
                  idempotencyKey: AutomationReplyKey.make(automation: rule.id, inbound: inbound.id, action: 0)),
            by: .system(h.shop.organization.id))
        let outcomes = try await h.engine.process(inbound, from: try await h.contact(ada))
        #expect(outcomes == [.init(automationID: rule.id, decision: .fired(replies: [queued.id], failedActions: []))])
        try await h.settle()
        #expect(h.texts(ada) == ["Hi!"])
        #expect(try await h.contact(ada).tags == ["greeted"])
    }

    @Test func outboundPhoneSentAndGroupMessagesNeverTrigger() async throws {
        let h = try await AutomationHarness()
        try await h.autoReply(.regex("."), text: "Auto")
        let ada = try h.phone("1234567", name: "Ada")
        // Someone types on the shop's phone itself: the linked session sees it as fromMe.
        _ = try h.shop.phone.send(text: "hello from the phone", to: ada.number)
        // settle() counts messages delivered to the shop, not ones its own phone sends: wait for this one first.
        _ = try await h.clock.waitFor("the phone's own message stored", advancing: true) {
            try await h.messages(where: .init(direction: .outbound)).first
        }
        try await h.settle()
        #expect(try await h.messages(where: .init(direction: .outbound)).count == 1)
        #expect(try await h.automatedReplies().isEmpty)

        // An outbound message and a group message handed to the engine directly are ignored.
        let outbound = try #require(try await h.messages(where: .init(direction: .outbound)).first)
        let contact = try await h.contact(ada)
        #expect(try await h.engine.process(outbound, from: contact).isEmpty)
        let group = try JID(parsing: "120363012345678901@g.us")
        let incoming = IncomingMessage(
            whatsappID: "false_group_1", chat: group, sender: ada.jid, kind: .text, body: "hi all",
            timestamp: h.clock.now())
        let (message, sender) = try #require(try await h.shop.handler.receivedFromContact(incoming, h.shop.instance))
        #expect(try await h.engine.process(message, from: sender).isEmpty)
        #expect(try await h.automatedReplies().isEmpty)
    }

    @Test func disabledAndOtherInstancesAutomationsDoNotRun() async throws {
        let h = try await AutomationHarness()
        let org = h.shop.organization.id
        let now = h.clock.now()
        let otherID: InstanceID = h.env.ids.make()
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.insert(Instance(id: otherID, organizationID: org, name: "other", createdAt: now))
        }
        let elsewhere = try await h.template("from the other instance")
        _ = try await h.automations.create(
            name: "other", instanceID: otherID, trigger: .regex("."), actions: [.replyWithTemplate(elsewhere.id)],
            by: h.shop.principal)
        let off = try await h.autoReply(.regex("."), text: "disabled")
        _ = try await h.automations.setEnabled(false, off.id, by: h.shop.principal)
        let mine = try await h.template("from this instance")
        _ = try await h.automations.create(
            name: "mine", instanceID: h.shop.instance.id, trigger: .regex("."), actions: [.replyWithTemplate(mine.id)],
            by: h.shop.principal)
        let ada = try h.phone("1234567", name: "Ada")
        _ = try ada.send(text: "hi", to: h.shop.phone.number)
        try await h.settle()
        #expect(h.texts(ada) == ["from this instance"])
    }

    @Test func automationsRunInCreationOrder() async throws {
        let h = try await AutomationHarness()
        let first = try await h.autoReply(.keyword("hi", wholeMessage: false), text: "one")
        let second = try await h.autoReply(.firstMessageFromNewContact, text: "two")
        let ada = try h.phone("1234567", name: "Ada")
        let incoming = IncomingMessage(
            whatsappID: "false_\(ada.jid)_ORDER1", chat: ada.jid, sender: ada.jid, kind: .text, body: "hi",
            pushName: "Ada", timestamp: h.clock.now())
        let (message, contact) = try #require(try await h.shop.handler.receivedFromContact(incoming, h.shop.instance))
        let outcomes = try await h.engine.process(message, from: contact)
        #expect(outcomes.map(\.automationID) == [first.id, second.id])
        let replies = try await h.automatedReplies().sorted { $0.id < $1.id }
        #expect(replies.map(\.body) == ["one", "two"])
    }
}
