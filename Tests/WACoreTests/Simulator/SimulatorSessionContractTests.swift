import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Simulator: session contract")
struct SimulatorSessionContractTests {
    enum Command: String, CaseIterable, Sendable {
        case send, markSeen, setPresence, lookUp, logout

        func run(on session: any WhatsAppSession) async throws {
            let chat = SimulatorNumbers.customer.jid
            switch self {
            case .send: _ = try await session.send(simulatedText("hi", to: chat, id: "3EB00000000000000080"))
            case .markSeen: try await session.markSeen(chat)
            case .setPresence: try await session.setPresence(.typing, in: chat)
            case .lookUp: _ = try await session.lookUp(SimulatorNumbers.customer)
            case .logout: try await session.logout()
            }
        }
    }

    @Test(arguments: Command.allCases)
    func commandsBeforeReadyThrowSessionNotReady(_ command: Command) async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let instance = harness.newInstance()
        let session = harness.network.makeSimulatedSession(harness.configuration(instance))

        await expectWAError(.sessionNotReady) { try await command.run(on: session) }  // not started
        try await session.start()
        await expectWAError(.sessionNotReady) { try await command.run(on: session) }  // showing a QR code
        try harness.network.link(instance: instance, to: SimulatorNumbers.shop)
        try await command.run(on: session)  // ready
        await session.stop()
        await expectWAError(.sessionNotReady) { try await command.run(on: session) }  // stopped
        #expect(harness.network.deliveries(to: SimulatorNumbers.customer).count == (command == .send ? 1 : 0))
    }

    @Test func stopFinishesEventsAndASessionIsNotRestarted() async throws {
        let harness = SimulatorHarness()
        let session = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        try await session.start()  // already started: nothing happens
        await session.stop()
        await session.stop()  // idempotent
        let events = await reader.rest()
        #expect(events.count == 2)  // opening, one QR code
        #expect(harness.clock.sleeperCount == 0)
        await expectWAError(.sessionNotReady) { try await session.start() }
    }

    @Test func archiveRestoresStraightToReady() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let instance = harness.newInstance()
        let (session, _) = try await harness.linkedSession(to: shop.number, instance: instance)
        let archive = try #require(try await session.exportArchive())
        #expect(!"\(archive)".contains("token"))  // never printed
        await session.stop()
        #expect(try await session.exportArchive() == archive)  // stopping keeps the link

        // While the instance is down, a customer writes: the restored session gets it after `ready`.
        try customer.send(text: "are you there?", to: shop.number)

        let restored = harness.network.makeSimulatedSession(harness.configuration(instance, archive: archive))
        let reader = EventReader(restored.events)
        try await restored.start()
        #expect(restored.isReady)
        await restored.stop()
        let events = await reader.rest()
        #expect(events.filter(\.isSimulatedQRCode).isEmpty)
        #expect(Array(events.prefix(3)) == [.stateChanged(.opening), .authenticated, .loading(percent: 25)])
        #expect(events.contains(.ready(AccountInfo(jid: shop.jid, phone: shop.number, pushName: "Shop"))))
        #expect(events.last?.simulatedReceived?.body == "are you there?")
    }

    @Test func keyRotationsChangeTheArchiveAndOnlyTheLastTwoRestore() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let instance = harness.newInstance()
        let (session, reader) = try await harness.linkedSession(to: shop.number, instance: instance)
        var archives = [try #require(try await session.exportArchive())]
        for _ in 0..<2 {
            harness.network.rotateArchive(instance: instance)
            archives.append(try #require(try await session.exportArchive()))
        }
        #expect(Set(archives).count == 3)
        await session.stop()
        #expect(await reader.rest() == [.archiveChanged, .archiveChanged])

        func restore(_ archive: SessionArchive) async throws -> [SessionEvent] {
            let restored = harness.network.makeSimulatedSession(harness.configuration(instance, archive: archive))
            let events = EventReader(restored.events)
            try await restored.start()
            await restored.stop()
            return await events.rest()
        }
        #expect(try await restore(archives[0]).last == .disconnected(.authFailure), "two rotations behind: WhatsApp refuses it")
        #expect(try await restore(archives[1]).contains { if case .ready = $0 { true } else { false } })
        #expect(try await restore(archives[2]).contains { if case .ready = $0 { true } else { false } })

        // Logging out ends every archive of the link.
        let (current, _) = try await harness.linkedSession(to: shop.number, instance: instance)
        let latest = try #require(try await current.exportArchive())
        harness.network.rotateArchive(instance: instance)
        try await current.logout()
        #expect(try await restore(latest).last == .disconnected(.authFailure))
    }

    @Test func logoutEndsTheSessionAndInvalidatesTheArchive() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let instance = harness.newInstance()
        let (session, reader) = try await harness.linkedSession(to: shop.number, instance: instance)
        let archive = try #require(try await session.exportArchive())

        try await session.logout()
        #expect(await reader.rest() == [.stateChanged(.unpaired), .disconnected(.loggedOut)])
        #expect(try await session.exportArchive() == nil)
        await expectWAError(.sessionNotReady) { try await session.logout() }

        let restored = harness.network.makeSimulatedSession(harness.configuration(instance, archive: archive))
        let events = EventReader(restored.events)
        try await restored.start()
        #expect(await events.rest() == [.stateChanged(.opening), .stateChanged(.unpaired), .disconnected(.authFailure)])
    }

    @Test func unlinkingFromThePhoneLogsEverySessionOut() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let (first, firstEvents) = try await harness.linkedSession(to: shop.number)
        let (second, secondEvents) = try await harness.linkedSession(to: shop.number)
        harness.network.unlinkDevices(of: shop.number)
        #expect(await firstEvents.rest().last == .disconnected(.loggedOut))
        #expect(await secondEvents.rest().last == .disconnected(.loggedOut))
        #expect(try await first.exportArchive() == nil)
        #expect(try await second.exportArchive() == nil)
    }

    @Test(arguments: [
        SessionArchive(bytes: []),
        SessionArchive(bytes: Array("not json".utf8)),
        SessionArchive(bytes: Array(#"{"format":"wa-simulator-archive","phone":"+14155550101","token":"00","version":1}"#.utf8)),
    ])
    func unknownArchivesDoNotRestore(archive: SessionArchive) async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let session = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        let reader = EventReader(session.events)
        try await session.start()
        #expect(await reader.rest() == [.stateChanged(.opening), .stateChanged(.unpaired), .disconnected(.authFailure)])
    }

    @Test func anArchiveFromAnotherNetworkDoesNotRestore() async throws {
        let first = SimulatorHarness(seed: 1)
        first.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let (session, _) = try await first.linkedSession(to: SimulatorNumbers.shop)
        let archive = try #require(try await session.exportArchive())
        await session.stop()

        let second = SimulatorHarness(seed: 2)
        second.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let restored = second.network.makeSimulatedSession(second.configuration(second.newInstance(), archive: archive))
        let reader = EventReader(restored.events)
        try await restored.start()
        #expect(await reader.rest().last == .disconnected(.authFailure))
    }
}
