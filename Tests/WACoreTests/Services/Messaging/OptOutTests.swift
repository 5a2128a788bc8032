import Foundation
import Testing
import WACore
import WACoreTesting

/// Opting out by replying, end to end on the simulator and the test clock: a phone writes a keyword to the shop,
/// the `MessageEventHandler` opts the contact out, the dispatcher delivers one confirmation, and later sends are
/// refused.
@Suite("Opting out by replying")
struct OptOutTests {
    /// Issue #10, acceptance 4.
    @Test func replyingStopOptsOutConfirmsOnceAndLaterSendsAreRefused() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        _ = try await h.send("Your order shipped 📦", to: ada)
        try await h.dispatchAll()

        _ = try ada.send(text: "STOP", to: h.shop.number)
        let contact = try await h.waitForContact(of: ada) { $0.optedOut }
        #expect(contact.optOutSource == .keyword && contact.optedOutAt != nil)
        try await h.dispatchAll()
        #expect(h.texts(ada) == ["Your order shipped 📦", OptOutSettings.defaultConfirmation])

        // The inbound message is stored like any other.
        let inbound = try await h.messaging.list(by: .acting(as: h.admin), where: .init(direction: .inbound)).items
        #expect(inbound.map(\.body) == ["STOP"] && inbound.first?.contactID == contact.id)
        // One event, after the message's own.
        let types = h.webhooks.events.map(\.type)
        #expect(types.filter { $0 == .contactOptedOut }.count == 1)
        #expect(try #require(types.firstIndex(of: .messageReceived)) < (types.firstIndex(of: .contactOptedOut) ?? 0))
        let event = try #require(h.webhooks.events.first { $0.type == .contactOptedOut })
        #expect(event.instanceID == h.instance.id)
        #expect(event.data["contact_id"]?.stringValue == contact.id.description)
        #expect(event.data["keyword"]?.stringValue == "STOP" && event.data["source"]?.stringValue == "keyword")
        #expect(event.data["phone"]?.stringValue == ada.number.e164)
        #expect(event.data["message_id"]?.stringValue == inbound.first?.id.description)
        #expect(event.data["confirmation_message_id"]?.stringValue != nil)
        // Audited, as the gateway.
        let audit = try await h.auditEvents("contact.opted_out")
        #expect(audit.count == 1 && audit.first?.actor == .system && audit.first?.resourceID == contact.id.description)
        #expect(audit.first?.metadata["keyword"] == "STOP" && audit.first?.metadata["source"] == "keyword")

        // Later sends are refused, however the recipient is named.
        let refused = await expectWAError(.recipientOptedOut) { try await h.send("Big sale!", to: ada) }
        #expect(refused?.field == "to")
        await expectWAError(.recipientOptedOut) {
            try await h.messaging.send(
                SendMessageRequest(instanceID: h.instance.id, recipient: .contact(contact.id), content: .text("Sale")),
                by: .acting(as: h.admin))
        }
        await expectWAError(.recipientOptedOut) {
            try await h.messaging.send(
                SendMessageRequest(instanceID: h.instance.id, recipient: .jid(ada.number.jid), content: .text("Sale")),
                by: .acting(as: h.admin))
        }

        // Saying it again changes nothing and sends nothing more.
        _ = try ada.send(text: "stop!!", to: h.shop.number)
        _ = try await h.clock.waitFor("the second STOP stored") {
            let count = try await h.messaging.list(by: .acting(as: h.admin), where: .init(direction: .inbound)).items.count
            return count == 2 ? count : nil
        }
        try await h.dispatchAll()
        #expect(h.texts(ada).count == 2)
        #expect(h.webhooks.events.filter { $0.type == .contactOptedOut }.count == 1)
        #expect(try await h.auditEvents("contact.opted_out").count == 1)
        #expect(try await h.contact(of: ada).optedOutAt == contact.optedOutAt)
    }

    @Test func theSameMessageDeliveredTwiceIsActedOnOnce() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let stop = IncomingMessage(
            whatsappID: "false_491701234567@c.us_STOP1", chat: ada.number.jid, sender: ada.number.jid, kind: .text,
            body: "Stop", timestamp: h.clock.now())
        await h.handler.handle(.messageReceived(stop), from: h.instance)
        await h.handler.handle(.messageReceived(stop), from: h.instance)
        #expect(try await h.handler.receivedFromContact(stop, h.instance) == nil)
        #expect(try await h.contact(of: ada).optedOut)
        let sends = try await h.jobs().filter { $0.queue == MessagingService.sendQueue }
        #expect(sends.count == 1)
        try await h.dispatchAll()
        #expect(h.texts(ada) == [OptOutSettings.defaultConfirmation])
        #expect(h.webhooks.events.filter { $0.type == .contactOptedOut }.count == 1)
    }

    @Test func aContactWrittenFirstFromALIDIsCreatedAndOptedOut() async throws {
        let h = try await MessagingHarness()
        let lid = try JID(parsing: "123456789012345@lid")
        let stop = IncomingMessage(
            whatsappID: "false_123456789012345@lid_STOP", chat: lid, sender: lid, kind: .text, body: "UNSUBSCRIBE",
            pushName: "Lee", timestamp: h.clock.now())
        let (_, contact) = try #require(try await h.handler.receivedFromContact(stop, h.instance))
        #expect(contact.optedOut && contact.lid == lid && contact.name == "Lee" && contact.optOutSource == .keyword)
        // The confirmation goes back into the chat the request came from.
        let confirmation = try #require(
            try await h.messaging.list(by: .acting(as: h.admin), where: .init(direction: .outbound)).items.first)
        #expect(confirmation.chatJID == lid && confirmation.contactID == contact.id)
        #expect(confirmation.body == OptOutSettings.defaultConfirmation && confirmation.status == .queued)
        await expectWAError(.recipientOptedOut) {
            try await h.messaging.send(
                SendMessageRequest(instanceID: h.instance.id, recipient: .jid(lid), content: .text("Hi")),
                by: .acting(as: h.admin))
        }
    }

    @Test(arguments: ["Arrêt", "BAJA!", "parar", "ＳＴＯＰ", "🛑 Stop 🛑", "opt-out", "Abmelden.", "berhenti"])
    func keywordsInOtherLanguagesAndForms(_ text: String) async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let (_, contact) = try #require(try await h.handler.receivedFromContact(h.incoming(text, from: ada), h.instance))
        #expect(contact.optedOut, "\(text)")
        #expect(h.webhooks.events.filter { $0.type == .contactOptedOut }.count == 1)
    }

    @Test(arguments: ["don't stop sending", "Please stop", "stop it", "Can I cancel my order?", "stopped", "start"])
    func sentencesAreOrdinaryMessages(_ text: String) async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let (_, contact) = try #require(try await h.handler.receivedFromContact(h.incoming(text, from: ada), h.instance))
        #expect(!contact.optedOut, "\(text)")
        #expect(try await h.jobs().isEmpty)
        #expect(!h.webhooks.events.map(\.type).contains(.contactOptedOut))
        #expect(!h.webhooks.events.map(\.type).contains(.contactOptedIn))
        _ = try await h.send("Sure!", to: ada)
    }

    @Test func keywordsInGroupsAndFromTheShopsOwnPhoneAreIgnored() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let group = try JID(parsing: "120363012345678901@g.us")
        let inGroup = IncomingMessage(
            whatsappID: "false_120363012345678901@g.us_G1", chat: group, sender: ada.number.jid, kind: .text,
            body: "STOP", timestamp: h.clock.now())
        let (_, sender) = try #require(try await h.handler.receivedFromContact(inGroup, h.instance))
        #expect(!sender.optedOut)
        // The shop's own phone writing "stop" into Ada's chat is not Ada asking.
        let fromMe = IncomingMessage(
            whatsappID: "true_491701234567@c.us_ME1", chat: ada.number.jid, sender: h.shop.number.jid, fromMe: true,
            kind: .text, body: "STOP", timestamp: h.clock.now())
        let (_, contact) = try #require(try await h.handler.receivedFromContact(fromMe, h.instance))
        #expect(!contact.optedOut)
        #expect(try await h.jobs().isEmpty)
    }

    @Test func startOptsBackInWithItsOwnConfirmation() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        _ = try await h.handler.receivedFromContact(h.incoming("stop", from: ada, id: "1"), h.instance)
        let (_, back) = try #require(try await h.handler.receivedFromContact(h.incoming("Start", from: ada, id: "2"), h.instance))
        #expect(!back.optedOut && back.optedOutAt == nil && back.optOutSource == nil)
        try await h.dispatchAll()
        #expect(h.texts(ada) == [OptOutSettings.defaultConfirmation, OptOutSettings.defaultOptInConfirmation])
        let event = try #require(h.webhooks.events.first { $0.type == .contactOptedIn })
        #expect(event.data["keyword"]?.stringValue == "START" && event.data["opted_out"] == .bool(false))
        #expect(try await h.auditEvents("contact.opted_in").count == 1)
        _ = try await h.send("Welcome back", to: ada)
        // START from someone who is not opted out is an ordinary message.
        _ = try await h.handler.receivedFromContact(h.incoming("start", from: ada, id: "3"), h.instance)
        #expect(h.webhooks.events.filter { $0.type == .contactOptedIn }.count == 1)
    }

    @Test func turnedOffTheKeywordIsAnOrdinaryMessage() async throws {
        let h = try await MessagingHarness()
        let team = TeamService(environment: h.env)
        let updated = try await team.updateOptOutSettings(.disabled, by: .acting(as: h.admin))
        #expect(updated.optOut == .disabled)
        #expect(try await h.auditEvents("organization.opt_out_updated").first?.metadata["enabled"] == "false")
        let ada = try h.phone("1234567", name: "Ada")
        let (_, contact) = try #require(try await h.handler.receivedFromContact(h.incoming("STOP", from: ada), h.instance))
        #expect(!contact.optedOut)
        #expect(try await h.jobs().isEmpty)
        #expect(!h.webhooks.events.map(\.type).contains(.contactOptedOut))
        _ = try await h.send("Still here", to: ada)
        // Only members who manage the organization change it.
        let agent = try await h.member(role: .agent)
        await expectWAError(.permissionDenied) { try await team.updateOptOutSettings(.standard, by: .acting(as: agent)) }
        await expectWAError(.invalidArgument) {
            try await team.updateOptOutSettings(OptOutSettings(keywords: ["!!"]), by: .acting(as: h.admin))
        }
    }

    @Test func anInstanceCanHaveItsOwnKeywordsAndText() async throws {
        let h = try await MessagingHarness()
        let supervisor = InstanceSupervisor(environment: h.env, transport: h.network, nodeID: "test")
        let instances = InstanceService(environment: h.env, supervisor: supervisor)
        let brazil = OptOutSettings(
            keywords: ["SAIR", "PARE"], optInKeywords: ["VOLTAR"],
            confirmation: "Você não receberá mais mensagens. Responda VOLTAR para voltar a recebê-las.",
            optInConfirmation: nil)
        let updated = try await instances.setOptOutSettings(brazil, for: h.instance.id, by: .acting(as: h.admin))
        #expect(updated.optOut == brazil)
        #expect(try await h.auditEvents("instance.updated").first?.metadata["opt_out"] == "custom")

        let ada = try h.phone("1234567", name: "Ada")
        // The instance's settings replace the organization's: STOP is an ordinary message on this number.
        let (_, first) = try #require(try await h.handler.receivedFromContact(h.incoming("stop", from: ada, id: "1"), h.instance))
        #expect(!first.optedOut)
        let (_, second) = try #require(try await h.handler.receivedFromContact(h.incoming("Pare!", from: ada, id: "2"), h.instance))
        #expect(second.optedOut)
        let (_, third) = try #require(try await h.handler.receivedFromContact(h.incoming("voltar", from: ada, id: "3"), h.instance))
        #expect(!third.optedOut)
        try await h.dispatchAll()
        #expect(h.texts(ada) == [try #require(brazil.confirmation)], "no opt-in confirmation configured")

        // Back to the organization's.
        let reset = try await instances.setOptOutSettings(nil, for: h.instance.id, by: .acting(as: h.admin))
        #expect(reset.optOut == nil)
        #expect(try await h.auditEvents("instance.updated").map { $0.metadata["opt_out"] }.contains("organization"))
        let (_, fourth) = try #require(try await h.handler.receivedFromContact(h.incoming("STOP", from: ada, id: "4"), h.instance))
        #expect(fourth.optedOut)
    }

    @Test func aConfirmationCanBeLeftOut() async throws {
        let h = try await MessagingHarness()
        _ = try await TeamService(environment: h.env).updateOptOutSettings(
            OptOutSettings(confirmation: nil), by: .acting(as: h.admin))
        let ada = try h.phone("1234567", name: "Ada")
        let (_, contact) = try #require(try await h.handler.receivedFromContact(h.incoming("STOP", from: ada), h.instance))
        #expect(contact.optedOut)
        #expect(try await h.jobs().isEmpty)
        let event = try #require(h.webhooks.events.first { $0.type == .contactOptedOut })
        #expect(event.data["confirmation_message_id"]?.stringValue == nil)
    }

    @Test func optingOutThroughTheAPIRecordsItsSource() async throws {
        let h = try await MessagingHarness()
        let contacts = ContactService(environment: h.env)
        let contact = try await contacts.create(phone: try PhoneNumber("+49 170 7654321"), by: .acting(as: h.admin))
        let out = try await contacts.setOptedOut(true, contact.id, by: .acting(as: h.admin))
        #expect(out.optedOut && out.optOutSource == .manual)
        let report = try await contacts.importCSV("phone,opted_out\n+49 170 1111111,yes\n", by: .acting(as: h.admin))
        #expect(report.created == 1)
        let imported = try #require(
            try await contacts.list(by: .acting(as: h.admin), where: .init(search: "1111111")).items.first)
        #expect(imported.optedOut && imported.optOutSource == .import)
        let back = try await contacts.setOptedOut(false, contact.id, by: .acting(as: h.admin))
        #expect(!back.optedOut && back.optOutSource == nil)
    }
}

extension MessagingHarness {
    /// An inbound text from `phone`, as its session would report it (`id` makes the WhatsApp id unique).
    func incoming(_ text: String, from phone: SimulatedPhone, id: String = "1") -> IncomingMessage {
        IncomingMessage(
            whatsappID: "false_\(phone.number.e164.dropFirst())@c.us_OPT\(id)", chat: phone.number.jid,
            sender: phone.number.jid, kind: .text, body: text, timestamp: clock.now())
    }

    func contact(of phone: SimulatedPhone) async throws -> Contact {
        let org = organization.id
        let found = try await env.store.transaction(.organization(org)) {
            try await $0.contacts.find(phone: phone.number, in: org)
        }
        return try #require(found)
    }

    /// Waits until the contact of `phone` exists and satisfies `condition`.
    func waitForContact(of phone: SimulatedPhone, _ condition: @escaping @Sendable (Contact) -> Bool) async throws
        -> Contact
    {
        let org = organization.id
        return try await clock.waitFor("the contact of \(phone.number)") {
            let found = try await env.store.transaction(.organization(org)) {
                try await $0.contacts.find(phone: phone.number, in: org)
            }
            return found.flatMap { condition($0) ? $0 : nil }
        }
    }

    /// Texts `phone` received from the shop.
    func texts(_ phone: SimulatedPhone) -> [String] {
        phone.messages(from: shop.number).compactMap(\.body)
    }

    func auditEvents(_ action: String) async throws -> [AuditEvent] {
        let org = organization.id
        return try await env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, where: .init(action: action), page: .all).items
        }
    }

    /// A new active member with `role`.
    func member(role: Role) async throws -> Member {
        let team = TeamService(environment: env)
        let (_, invitation) = try await team.invite(
            email: "\(role.rawValue)-\(env.ids.make() as MemberID)@example.com", displayName: "Sam", role: role,
            by: .acting(as: admin))
        return try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
    }
}
