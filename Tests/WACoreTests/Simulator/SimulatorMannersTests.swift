import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Simulator: WhatsApp Web's manners (reloads, repeated messages, best-effort idempotency)")
struct SimulatorMannersTests {
    @Test func aPageReloadsByItselfAndRepeatsTheLatestReceivedMessages() async throws {
        let harness = SimulatorHarness(
            configuration: .init(reloadInterval: .seconds(600), messagesRepeatedOnReload: 2))
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let ada = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (_, reader) = try await harness.linkedSession(to: shop.number)
        for text in ["one", "two", "three"] { try ada.send(text: text, to: shop.number) }
        let first = await reader.take(3).compactMap(\.simulatedReceived).map(\.body)
        #expect(first == ["one", "two", "three"])

        harness.clock.advance(by: .seconds(600))
        var reload: [SessionEvent] = []
        while reload.compactMap(\.simulatedReceived).count < 2, let event = await reader.next() { reload.append(event) }
        #expect(reload.contains { if case .authenticated = $0 { true } else { false } })
        #expect(reload.contains { if case .ready = $0 { true } else { false } })
        #expect(reload.compactMap(\.simulatedReceived).map(\.body) == ["two", "three"], "the latest two, again")
        #expect(reload.compactMap(\.simulatedReceived).map(\.whatsappID) == Array(
            ada.sentMessages.suffix(2).map(\.recipientWhatsappID)))

        // And again an interval later.
        harness.clock.advance(by: .seconds(600))
        _ = try #require(await reader.next { event -> AccountInfo? in if case .ready(let info) = event { info } else { nil } })
    }

    @Test func aRepeatedSendIsRecognisedOnlyAsOftenAsConfigured() async throws {
        let harness = SimulatorHarness(configuration: .init(idempotencyMissRate: 1))
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let ada = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, _) = try await harness.linkedSession(to: shop.number)
        let message = simulatedText("once?", to: ada.jid, id: "3EB00000000000000042")
        let first = try await session.send(message)
        let second = try await session.send(message)
        #expect(!first.wasAlreadySent && !second.wasAlreadySent, "the repeat was missed")
        #expect(harness.network.deliveries(to: ada.number).map(\.body) == ["once?", "once?"], "so it went out twice")

        harness.network.configuration.idempotencyMissRate = 0
        let third = try await session.send(message)
        #expect(third.wasAlreadySent)
        #expect(harness.network.deliveries(to: ada.number).count == 2)
    }
}
