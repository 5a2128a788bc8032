import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Message actions: reactions, deletions and edits")
struct MessageActionTests {
    private func actions(_ h: MessagingHarness) -> MessageActionService {
        MessageActionService(environment: h.env, sessions: h.directory, webhooks: h.webhooks)
    }

    /// A text from the shop to `phone`, sent and delivered.
    private func delivered(_ text: String, to phone: SimulatedPhone, _ h: MessagingHarness) async throws -> Message {
        let queued = try await h.send(text, to: phone)
        try await h.dispatchAll()
        let clientID = OutgoingMessage.clientMessageID(for: queued.id)
        try await h.clock.waitUntil("\"\(text)\" to reach \(phone)", advancing: true) {
            phone.inbox.contains { $0.clientMessageID == clientID }
        }
        return try await h.waitFor(queued.id, "delivered") { $0.status == .delivered }
    }

    /// The stored inbound message with `body`, once the event handler stored it.
    private func received(_ body: String, _ h: MessagingHarness) async throws -> Message {
        let admin = Principal.acting(as: h.admin)
        return try await h.clock.waitFor("the inbound message \"\(body)\"") {
            try await h.messaging.list(by: admin, where: .init(direction: .inbound)).items.first { $0.body == body }
        }
    }

    private func events(_ type: WebhookEventType, _ h: MessagingHarness) -> [WebhookEvent] {
        h.webhooks.events.filter { $0.type == type }
    }

    @Test func theInstanceReactsChangesAndTakesItsReactionOff() async throws {
        let h = try await MessagingHarness()
        let service = actions(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let sent = try ada.send(text: "Is my order on its way?", to: h.shop.number)
        let message = try await received("Is my order on its way?", h)

        let liked = try await service.react(to: message.id, with: "👍", by: admin)
        #expect(liked.reactions.map(\.emoji) == ["👍"] && liked.reactions.first?.fromMe == true)
        #expect(liked.reactions.first?.sender == h.shop.jid)
        #expect(ada.sentMessages.first { $0.clientMessageID == sent.clientMessageID }?.reactions == [h.shop.number: "👍"])
        let hearted = try await service.react(to: message.id, with: "❤️", by: admin)
        #expect(hearted.reactions.map(\.emoji) == ["❤️"], "a second reaction replaces the first")
        let again = try await service.react(to: message.id, with: "❤️", by: admin)
        #expect(again.reactions.map(\.emoji) == ["❤️"])
        let removed = try await service.react(to: message.id, with: "", by: admin)
        #expect(removed.reactions.isEmpty)
        #expect(ada.sentMessages.first { $0.clientMessageID == sent.clientMessageID }?.reactions == [:])
        #expect(try await h.message(message.id).reactions.isEmpty)

        let published = events(.messageReaction, h)
        #expect(published.map { $0.data["reaction"]?["emoji"]?.stringValue } == ["👍", "❤️", ""])
        #expect(published.first?.data["reaction"]?["from_me"] == .bool(true))
        #expect(published.first?.data["reactions"] != nil && published.last?.data["reactions"] == nil)

        for bad in ["ok", "👍👍", "1", " ", "❤"] {
            let refused = await expectWAError(.invalidArgument) { try await service.react(to: message.id, with: bad, by: admin) }
            #expect(refused?.field == "emoji", "\(bad)")
        }
        for good in ["👍🏽", "🇩🇪", "1️⃣", "👨‍👩‍👧"] {
            #expect(Message.Reaction.isSingleEmoji(good), "\(good)")
        }
    }

    @Test func aContactsReactionIsStoredAndPublished() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let message = try await delivered("Your parcel arrives tomorrow", to: ada, h)
        let copy = try #require(ada.inbox.first)

        try ada.react(to: copy, with: "🎉")
        let reacted = try await h.waitFor(message.id, "Ada's reaction") { !$0.reactions.isEmpty }
        #expect(reacted.reactions.map(\.emoji) == ["🎉"])
        #expect(reacted.reactions.first?.sender == ada.jid && reacted.reactions.first?.fromMe == false)
        let event = try #require(events(.messageReaction, h).first)
        #expect(event.data["id"]?.stringValue == message.id.description)
        #expect(event.data["reaction"]?["sender"]?.stringValue == ada.jid.description)
        #expect(event.data["reaction"]?["from_me"] == .bool(false))

        try ada.react(to: copy, with: "")
        _ = try await h.waitFor(message.id, "Ada's reaction taken off") { $0.reactions.isEmpty }
        #expect(events(.messageReaction, h).count == 2)
    }

    @Test func theInstanceDeletesItsOwnMessageForEveryoneOnce() async throws {
        let h = try await MessagingHarness()
        let service = actions(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let message = try await delivered("Wrong price: 10 €", to: ada, h)

        let revoked = try await service.revoke(message.id, by: admin)
        #expect(revoked.revokedAt == h.clock.now() && revoked.body == "Wrong price: 10 €")
        #expect(ada.inbox.first?.revokedAt != nil)
        #expect(events(.messageRevoked, h).count == 1)
        #expect(try await h.auditActions().contains("message.revoked"))
        let twice = try await service.revoke(message.id, by: admin)
        #expect(twice.revokedAt == revoked.revokedAt)
        #expect(events(.messageRevoked, h).count == 1, "a second deletion publishes nothing")
        let editDeleted = await expectWAError(.invalidArgument) { try await service.edit(message.id, text: "x", by: admin) }
        #expect(editDeleted?.field == "message_id")
        await expectWAError(.invalidArgument) { try await service.react(to: message.id, with: "👍", by: admin) }

        // Not the instance's own, not sent yet, or too old.
        _ = try ada.send(text: "Thanks!", to: h.shop.number)
        let inbound = try await received("Thanks!", h)
        let theirs = await expectWAError(.invalidArgument) { try await service.revoke(inbound.id, by: admin) }
        #expect(theirs?.field == "message_id")
        let queued = try await h.send("Later", to: ada)
        await expectWAError(.invalidArgument) { try await service.revoke(queued.id, by: admin) }
        let old = try await delivered("Old news", to: ada, h)
        h.clock.advance(by: MessageActionService.revokeWindow + .seconds(60))
        await expectWAError(.invalidArgument) { try await service.revoke(old.id, by: admin) }
        #expect(try await h.message(old.id).revokedAt == nil)
    }

    @Test func theInstanceEditsItsOwnTextWithinFifteenMinutes() async throws {
        let h = try await MessagingHarness()
        let service = actions(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let message = try await delivered("See you at 5", to: ada, h)

        let edited = try await service.edit(message.id, text: "See you at 6", by: admin)
        #expect(edited.body == "See you at 6" && edited.editedAt == h.clock.now())
        #expect(ada.inbox.first?.body == "See you at 6" && ada.inbox.first?.editedAt != nil)
        #expect(events(.messageEdited, h).map { $0.data["body"]?.stringValue } == ["See you at 6"])
        #expect(try await h.auditActions().contains("message.edited"))
        _ = try await service.edit(message.id, text: "See you at 6", by: admin)
        #expect(events(.messageEdited, h).count == 1, "the same text again changes nothing")

        for text in ["", "   ", String(repeating: "a", count: MessagingService.maximumTextLength + 1)] {
            let refused = await expectWAError(.invalidArgument) { try await service.edit(message.id, text: text, by: admin) }
            #expect(refused?.field == "text")
        }
        h.clock.advance(by: MessageActionService.editWindow + .seconds(1))
        let late = await expectWAError(.invalidArgument) { try await service.edit(message.id, text: "At 7", by: admin) }
        #expect(late?.field == "message_id")
        #expect(try await h.message(message.id).body == "See you at 6")
    }

    @Test func aContactsDeletionAndEditReachTheStore() async throws {
        let h = try await MessagingHarness()
        let ada = try h.phone("1234567", name: "Ada")
        let typo = try ada.send(text: "I ordred two", to: h.shop.number)
        let regret = try ada.send(text: "Never mind", to: h.shop.number)
        let first = try await received("I ordred two", h)
        let second = try await received("Never mind", h)

        try ada.edit(typo, text: "I ordered two")
        try ada.revoke(regret)
        let edited = try await h.waitFor(first.id, "edited") { $0.editedAt != nil }
        #expect(edited.body == "I ordered two")
        _ = try await h.waitFor(second.id, "revoked") { $0.revokedAt != nil }
        #expect(events(.messageEdited, h).count == 1 && events(.messageRevoked, h).count == 1)
        // Only a message's sender can delete or edit it.
        let theirs = try #require(h.shop.inbox.first)
        #expect(throws: WAError.self) { try h.shop.revoke(theirs) }
        #expect(throws: WAError.self) { try h.shop.edit(theirs, text: "changed") }
    }

    @Test func actionsNeedPermissionASessionAndNoRiskPause() async throws {
        let h = try await MessagingHarness()
        let service = actions(h)
        let ada = try h.phone("1234567", name: "Ada")
        let admin = Principal.acting(as: h.admin)
        let message = try await delivered("Hello", to: ada, h)
        let viewer = try await TeamService(environment: h.env).invite(
            email: "vi@example.com", displayName: "Vi", role: .viewer, by: admin)
        await expectWAError(.permissionDenied) {
            try await service.react(to: message.id, with: "👍", by: .acting(as: viewer.member))
        }
        await expectWAError(.notFound) { try await service.revoke(h.env.ids.make(), by: admin) }

        let org = h.organization.id
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.modify(h.instance.id, in: org) { $0.risk.pausedUntil = h.clock.now().addingTimeInterval(300) }
        }
        let paused = await expectWAError(.rateLimited) { try await service.react(to: message.id, with: "👍", by: admin) }
        #expect(paused?.retryAfter == .seconds(300))
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.modify(h.instance.id, in: org) { $0.risk.pausedUntil = nil }
        }
        h.directory.set(nil, for: h.instance.id)
        let away = await expectWAError(.sessionNotReady) { try await service.edit(message.id, text: "Hi", by: admin) }
        #expect(away?.isRetryable == true)
        #expect(try await h.message(message.id) == message, "nothing changed while refused")
        #expect(ada.inbox.first?.reactions == [:] && ada.inbox.first?.body == "Hello")
    }

    @Test func reactionsAreOnePerPersonAndOldRecordsLoadWithout() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let ids = ServiceEnvironment.testing(clock: TestClock()).ids
        var message = Message(
            id: ids.make(), organizationID: ids.make(), instanceID: ids.make(), chatJID: try JID(parsing: "491701234567@c.us"),
            direction: .outbound, kind: .text, body: "Hi", status: .sent, createdAt: start)
        let ada = try JID(parsing: "491701234567@c.us")
        let adaLID = try JID(parsing: "1234567890@lid")
        let me = try JID(parsing: "491700000001@c.us")
        func apply(_ reaction: Message.Reaction) -> Bool { message.applyReaction(reaction) }
        #expect(apply(.init(sender: ada, fromMe: false, emoji: "👍", reactedAt: start)))
        #expect(apply(.init(sender: me, fromMe: true, emoji: "🎉", reactedAt: start)))
        #expect(!apply(.init(sender: ada, fromMe: false, emoji: "👍", reactedAt: start + 1)), "the same again")
        #expect(!apply(.init(sender: ada, fromMe: false, emoji: "😢", reactedAt: start - 1)), "older than the kept one")
        #expect(apply(.init(sender: ada, fromMe: false, emoji: "😢", reactedAt: start + 2)))
        // The account's own reaction is one, whichever JID reports it.
        #expect(apply(.init(sender: adaLID, fromMe: true, emoji: "❤️", reactedAt: start + 3)))
        #expect(message.reactions.map(\.emoji) == ["😢", "❤️"])
        #expect(!apply(.init(sender: ada, fromMe: true, emoji: "", reactedAt: start - 10)))
        #expect(apply(.init(sender: me, fromMe: true, emoji: "", reactedAt: start + 4)))
        #expect(message.reactions.map(\.emoji) == ["😢"])
        #expect(!apply(.init(sender: me, fromMe: true, emoji: "", reactedAt: start + 5)), "nothing to take off")

        // A message stored before reactions existed has none.
        let encoded = try JSONEncoder().encode(message)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object["reactions"] != nil)
        object["reactions"] = nil
        let old = try JSONDecoder().decode(Message.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.reactions.isEmpty && old.body == "Hi")
        #expect(try JSONDecoder().decode(Message.self, from: encoded) == message)
    }
}
