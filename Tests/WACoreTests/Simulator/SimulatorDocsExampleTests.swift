import Foundation
import Testing
import WACore
import WACoreTesting

/// The example in `Docs/Simulator.md`, kept compiling and passing.
@Suite("Simulator: documentation example")
struct SimulatorDocsExampleTests {
    @Test func quickStart() async throws {
        let organizationID = OrganizationID(high: 1, low: 1)
        let instanceID = InstanceID(high: 1, low: 2)

        // --- Docs/Simulator.md: quick start ---
        let clock = TestClock()
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 1))
        let shop = network.addPhone(try PhoneNumber("+14155550101"), name: "Shop")
        let customer = network.addPhone(try PhoneNumber("+14155550102"), name: "Ada")
        customer.setReplyScript(.keywords(["price": "It is 5 euros"]))

        let session = try await network.makeSession(
            SessionConfiguration(organizationID: organizationID, instanceID: instanceID))
        var events = session.events.makeAsyncIterator()
        try await session.start()
        while let event = await events.next() {
            if case .qrCode(let code) = event { try network.scan(qrCode: code, with: shop.number) }  // the phone scans
            if case .ready = event { break }
        }

        let receipt = try await session.send(OutgoingMessage(
            chat: customer.jid, content: .text("What is the price?"), clientMessageID: "3EB0C0FFEE0000000001"))
        // receipt.whatsappID == "true_14155550102@c.us_3EB0C0FFEE0000000001"
        var reply: String?
        while let event = await events.next() {
            // .messageStatus(… .sent …), .messageStatus(… .delivered …), then the scripted answer:
            if case .messageReceived(let message) = event {
                reply = message.body  // "It is 5 euros"
                break
            }
        }
        // customer.inbox.map(\.text) == ["What is the price?"]
        // --- end ---

        #expect(receipt.whatsappID == "true_14155550102@c.us_3EB0C0FFEE0000000001")
        #expect(reply == "It is 5 euros")
        #expect(customer.inbox.map(\.body) == ["What is the price?"])
        await session.stop()
    }

    @Test func scriptedContactsSnippet() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")

        // --- Docs/Simulator.md: scripted contacts ---
        customer.setReplyScript(.keywords(["price": "How much?", "hello": "Hi!"], fallback: nil, delay: .seconds(2)))
        customer.setReplyScript(.echo(prefix: "you said: "))
        customer.setReplyScript(SimulatedReplyScript(delay: .seconds(1)) { message in
            message.body?.contains("STOP") == true ? "Unsubscribed" : nil
        })
        // --- end ---

        try shop.send(text: "hello", to: customer.number)  // no reply: no STOP
        try shop.send(text: "STOP", to: customer.number)
        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(1))
        try await harness.clock.waitUntil("the scripted reply") { !shop.inbox.isEmpty }
        #expect(shop.inbox.map(\.body) == ["Unsubscribed"])
    }
}
