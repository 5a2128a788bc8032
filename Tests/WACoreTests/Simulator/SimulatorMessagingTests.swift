import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Simulator: messaging")
struct SimulatorMessagingTests {
    @Test func sendingToAPlainPhoneReportsSentDeliveredRead() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        let receipt = try await session.send(simulatedText("Your order shipped", to: customer.jid, id: "3EB0000000000000000A"))
        #expect(receipt.whatsappID == "true_14155550102@c.us_3EB0000000000000000A")
        #expect(receipt.chat == customer.jid)
        #expect(receipt.status == .sent)
        #expect(receipt.wasAlreadySent == false)
        #expect(receipt.timestamp == harness.clock.now())

        // Latency 0: the phone has it already, unread until its owner opens the chat.
        let inbox = customer.inbox
        #expect(inbox.count == 1)
        #expect(inbox.first?.body == "Your order shipped")
        #expect(inbox.first?.from == shop.number)
        #expect(inbox.first?.status == .delivered)
        #expect(customer.messages(from: shop.number).count == 1)
        #expect(customer.messages(from: SimulatorNumbers.other).isEmpty)

        customer.read(chat: shop.number)
        #expect(shop.sentMessages.map(\.status) == [.read])
        await session.stop()
        let events = await reader.rest()
        #expect(events == [
            .messageStatus(whatsappID: receipt.whatsappID, chat: customer.jid, status: .sent, at: receipt.timestamp),
            .messageStatus(whatsappID: receipt.whatsappID, chat: customer.jid, status: .delivered, at: receipt.timestamp),
            .messageStatus(whatsappID: receipt.whatsappID, chat: customer.jid, status: .read, at: receipt.timestamp),
        ])
    }

    @Test func latencyAndAutoReadRunOnTheClock() async throws {
        let harness = SimulatorHarness(configuration: .init(latency: .seconds(5)))
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        customer.setAutoRead(after: .seconds(30))
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        let receipt = try await session.send(simulatedText("Hi", to: customer.jid, id: "3EB0000000000000000B"))
        #expect(await reader.next()?.simulatedStatus == .sent)
        #expect(customer.inbox.isEmpty)  // still in flight

        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(5))
        #expect(await reader.next()?.simulatedStatus == .delivered)
        #expect(customer.inbox.count == 1)

        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(30))
        let read = await reader.next()
        #expect(read == .messageStatus(
            whatsappID: receipt.whatsappID, chat: customer.jid, status: .read,
            at: receipt.timestamp.addingTimeInterval(35)))
        await session.stop()
    }

    @Test func jitterIsDeterministicForASeed() async throws {
        func deliveryTimes(seed: UInt64) async throws -> [Date] {
            let harness = SimulatorHarness(seed: seed, configuration: .init(latency: .seconds(10), latencyJitter: .seconds(5)))
            let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
            let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
            let (session, reader) = try await harness.linkedSession(to: shop.number)
            for n in 0..<3 { _ = try await session.send(simulatedText("m\(n)", to: customer.jid, id: "3EB0000000000000000\(n)")) }
            try await harness.clock.waitForSleepers(3)
            harness.clock.advance(by: .seconds(15))
            _ = await reader.next { $0.simulatedStatus == .delivered ? () : nil }
            _ = await reader.next { $0.simulatedStatus == .delivered ? () : nil }
            _ = await reader.next { $0.simulatedStatus == .delivered ? () : nil }
            await session.stop()
            let times = customer.inbox.compactMap(\.deliveredAt)
            #expect(times.allSatisfy { $0 >= harness.clock.now().addingTimeInterval(-10) })
            return times
        }
        let first = try await deliveryTimes(seed: 11)
        #expect(first.count == 3)
        #expect(try await deliveryTimes(seed: 11) == first)
    }

    @Test func scriptedPhoneReplies() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        customer.setReplyScript(.keywords(["price": "How much is it?", "hello": "Hi there"], fallback: "?"))
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        _ = try await session.send(simulatedText("Ask me about the PRICE", to: customer.jid, id: "3EB0000000000000000C"))
        let reply = try #require(await reader.next(\.simulatedReceived))
        #expect(reply.body == "How much is it?")
        #expect(reply.chat == customer.jid)
        #expect(reply.sender == customer.jid)
        #expect(reply.fromMe == false)
        #expect(reply.kind == .text)
        #expect(reply.pushName == "Ada")
        #expect(reply.whatsappID.hasPrefix("false_14155550102@c.us_3A"))
        #expect(shop.inbox.map(\.body) == ["How much is it?"])
        await session.stop()
    }

    @Test func delayedScriptRepliesAfterTheClockMoves() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        customer.setReplyScript(.echo(prefix: "echo: ", delay: .seconds(8)))
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        _ = try await session.send(simulatedText("ping", to: customer.jid, id: "3EB0000000000000000D"))
        try await harness.clock.waitForSleepers(1)
        #expect(shop.inbox.isEmpty)
        harness.clock.advance(by: .seconds(8))
        #expect(try #require(await reader.next(\.simulatedReceived)).body == "echo: ping")
        await session.stop()
    }

    @Test func phonesWriteToInstancesSpontaneously() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        let sent = try customer.send(text: "Is the shop open?", to: shop.number)
        let incoming = try #require(await reader.next(\.simulatedReceived))
        #expect(incoming.whatsappID == sent.recipientWhatsappID)
        #expect(incoming.body == "Is the shop open?")
        #expect(incoming.timestamp == sent.sentAt)

        // The instance reads it: the customer's phone sees blue ticks.
        #expect(customer.sentMessages.map(\.status) == [.delivered])
        try await session.markSeen(customer.jid)
        #expect(customer.sentMessages.map(\.status) == [.read])

        // Typing shows up as presence.
        customer.setPresence(.typing, in: shop.number)
        #expect(await reader.next() == .presence(chat: customer.jid, participant: nil, .typing))
        expectWAError(.recipientNotOnWhatsApp) { try customer.send(text: "hello?", to: SimulatorNumbers.stranger) }
        await session.stop()
    }

    @Test func messagesFromTheLinkedPhoneItselfAreFromMe() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)

        let sent = try shop.send(text: "typed on the phone", to: customer.number)
        let echo = try #require(await reader.next(\.simulatedReceived))
        #expect(echo.fromMe)
        #expect(echo.whatsappID == sent.senderWhatsappID)
        #expect(echo.chat == customer.jid)
        // Status of messages sent from the phone reaches the linked session too.
        #expect(await reader.next()?.simulatedStatus == .sent)
        await session.stop()
    }

    @Test func twoInstancesTalkToEachOther() async throws {
        let harness = SimulatorHarness()
        let alice = harness.network.addPhone(SimulatorNumbers.shop, name: "Alice")
        let bob = harness.network.addPhone(SimulatorNumbers.other, name: "Bob")
        let (aliceSession, aliceEvents) = try await harness.linkedSession(to: alice.number)
        let (bobSession, bobEvents) = try await harness.linkedSession(to: bob.number)

        let receipt = try await aliceSession.send(simulatedText("Hi Bob", to: bob.jid, id: "3EB0000000000000000E"))
        let atBob = try #require(await bobEvents.next(\.simulatedReceived))
        #expect(atBob.body == "Hi Bob")
        #expect(atBob.sender == alice.jid)
        #expect(atBob.pushName == "Alice")
        #expect(atBob.whatsappID == "false_14155550101@c.us_3EB0000000000000000E")

        try await bobSession.setPresence(.typing, in: alice.jid)
        #expect(harness.network.presence(of: bob.number, in: alice.number) == .typing)
        try await bobSession.markSeen(alice.jid)
        _ = try await bobSession.send(simulatedText("Hi Alice", to: alice.jid, id: "3EB0000000000000000F"))

        #expect(await aliceEvents.take(5) == [
            .messageStatus(whatsappID: receipt.whatsappID, chat: bob.jid, status: .sent, at: receipt.timestamp),
            .messageStatus(whatsappID: receipt.whatsappID, chat: bob.jid, status: .delivered, at: receipt.timestamp),
            .presence(chat: bob.jid, participant: nil, .typing),
            .messageStatus(whatsappID: receipt.whatsappID, chat: bob.jid, status: .read, at: receipt.timestamp),
            .messageReceived(IncomingMessage(
                whatsappID: "false_447911123456@c.us_3EB0000000000000000F", chat: bob.jid, sender: bob.jid,
                kind: .text, body: "Hi Alice", pushName: "Bob", timestamp: receipt.timestamp)),
        ])
        await aliceSession.stop()
        await bobSession.stop()
    }

    @Test func resendingAClientMessageIDSendsNothing() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, _) = try await harness.linkedSession(to: shop.number)

        let message = simulatedText("Once", to: customer.jid, id: OutgoingMessage.clientMessageID(for: MessageID(high: 1, low: 2)))
        let first = try await session.send(message)
        let again = try await session.send(message)
        #expect(again.wasAlreadySent)
        #expect(again.whatsappID == first.whatsappID)
        #expect(again.timestamp == first.timestamp)
        #expect(again.status == .delivered)  // the message's status now
        #expect(harness.network.deliveries(to: customer.number).count == 1)

        // A retry after a crash, from a new session restored from the archive, is recognised too.
        let archive = try #require(try await session.exportArchive())
        await session.stop()
        let restored = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        try await restored.start()
        #expect(try await restored.send(message).wasAlreadySent)
        #expect(harness.network.deliveries(to: customer.number).count == 1)
        #expect(harness.network.messages.count == 1)
        await restored.stop()
    }

    @Test func lookUpAndUnknownRecipients() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let lid = try JID(parsing: "179950657237125@lid")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada", lid: lid, isBusiness: true)
        let (session, _) = try await harness.linkedSession(to: shop.number)

        #expect(try await session.lookUp(customer.number) == NumberLookup(jid: customer.jid, lid: lid, isBusiness: true))
        #expect(try await session.lookUp(shop.number) == NumberLookup(jid: shop.jid))
        #expect(try await session.lookUp(SimulatorNumbers.stranger) == nil)

        await expectWAError(.recipientNotOnWhatsApp) {
            try await session.send(simulatedText("hi", to: SimulatorNumbers.stranger.jid, id: "3EB00000000000000010"))
        }
        // A group the account is not in (here: no such group) is not found.
        await expectWAError(.notFound) {
            try await session.send(simulatedText("hi", to: try JID(parsing: "120363012345678901@g.us"), id: "3EB00000000000000011"))
        }
        // Sending to the LID reaches the same phone; the receipt keeps the LID chat.
        let receipt = try await session.send(simulatedText("via lid", to: lid, id: "3EB00000000000000012"))
        #expect(receipt.chat == lid)
        #expect(receipt.whatsappID == "true_179950657237125@lid_3EB00000000000000012")
        #expect(customer.inbox.map(\.body) == ["via lid"])
        // The protocol spelling of a phone JID works as well.
        _ = try await session.send(simulatedText("wire form", to: customer.jid.protocolForm, id: "3EB00000000000000013"))
        #expect(customer.inbox.count == 2)
        await session.stop()
    }

    @Test(arguments: [
        OutgoingMessage.Content.media(MediaPayload(kind: .image, mimeType: "image/jpeg", caption: "look", bytes: [0xFF, 0xD8])),
        .location(Message.Location(latitude: 52.52, longitude: 13.40, name: "Berlin")),
        .contactCard(name: "Ada", vCard: "BEGIN:VCARD\nFN:Ada\nEND:VCARD"),
    ])
    func otherContentArrivesIntact(content: OutgoingMessage.Content) async throws {
        let harness = SimulatorHarness()
        let alice = harness.network.addPhone(SimulatorNumbers.shop, name: "Alice")
        let bob = harness.network.addPhone(SimulatorNumbers.other, name: "Bob")
        let (aliceSession, aliceEvents) = try await harness.linkedSession(to: alice.number)
        let (bobSession, bobEvents) = try await harness.linkedSession(to: bob.number)
        _ = try await aliceSession.send(OutgoingMessage(chat: bob.jid, content: content, clientMessageID: "3EB00000000000000014"))
        let incoming = try #require(await bobEvents.next(\.simulatedReceived))
        #expect(bob.inbox.first?.content == content)
        switch content {
        case .media(let media):
            #expect(incoming.kind == .image)
            #expect(incoming.media?.kind == .image && incoming.media?.mimeType == "image/jpeg")
            #expect(incoming.media?.byteCount == Int64(media.bytes.count))
            #expect(incoming.body == "look")
            // The event carries a handle; the bytes are downloaded through the session.
            #expect(try await bobSession.downloadMedia(try #require(incoming.media)) == media.bytes)
            let elsewhere = IncomingMedia(kind: .image, mimeType: "image/jpeg", handle: "false_1@c.us_NOPE")
            await expectWAError(.notFound) { try await bobSession.downloadMedia(elsewhere) }
        case .location(let location):
            #expect(incoming.kind == .location)
            #expect(incoming.location == location)
        case .contactCard(_, let vCard):
            #expect(incoming.kind == .contact)
            #expect(incoming.body == vCard)
        case .text:
            Issue.record("not an argument")
        }
        _ = aliceEvents
        await aliceSession.stop()
        await bobSession.stop()
    }
}

/// The simulated world's timers belong to nobody's operation.
@Suite("Simulator timers and TestClock.run")
struct SimulatorTimerTests {
    /// `TestClock.run` moves time while its operation's tasks sleep; a timer the simulator starts because of the
    /// operation (here a read two days later) is not one of them, so it cannot pull the clock days ahead while the
    /// operation waits for something else.
    @Test func runDoesNotAdvanceToTimersTheSimulatorStartedForTheOperation() async throws {
        let harness = SimulatorHarness()
        let alice = harness.network.addPhone(SimulatorNumbers.shop, name: "Alice")
        let bob = harness.network.addPhone(SimulatorNumbers.other, name: "Bob")
        bob.setAutoRead(after: .seconds(2 * 86_400))
        let (session, events) = try await harness.linkedSession(to: alice.number)
        let start = harness.clock.now()
        try await harness.clock.run {
            _ = try await session.send(
                OutgoingMessage(chat: bob.jid, content: .text("hi"), clientMessageID: "3EB00000000000000099"))
            // Waiting for something that is not the clock (real time), while the read timer sleeps on the clock.
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(harness.clock.now() < start.addingTimeInterval(60), "the clock stood at \(harness.clock.now())")
        #expect(bob.inbox.first?.readAt == nil)
        _ = events
        await session.stop()
    }
}
