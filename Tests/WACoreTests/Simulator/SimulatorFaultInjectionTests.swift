import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Simulator: fault injection")
struct SimulatorFaultInjectionTests {
    @Test func droppedMessagesStaySent() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)
        harness.network.updateFaults { $0.dropNextMessages = 1 }

        let lost = try await session.send(simulatedText("lost", to: customer.jid, id: "3EB00000000000000020"))
        _ = try await session.send(simulatedText("kept", to: customer.jid, id: "3EB00000000000000021"))
        #expect(lost.status == .sent)
        #expect(customer.inbox.map(\.body) == ["kept"])
        #expect(harness.network.messages.map(\.isDropped) == [true, false])
        #expect(harness.network.faults.dropNextMessages == 0)
        await session.stop()
        let statuses = await reader.rest().compactMap { event -> String? in
            guard case .messageStatus(let id, _, let status, _) = event else { return nil }
            return "\(id.suffix(2)):\(status)"
        }
        #expect(statuses == ["20:sent", "21:sent", "21:delivered"])
    }

    @Test func dropProbabilityOneDropsEverything() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, _) = try await harness.linkedSession(to: shop.number)
        shop.updateFaults { $0.dropProbability = 1 }
        for n in 0..<3 { _ = try await session.send(simulatedText("x", to: customer.jid, id: "3EB0000000000000003\(n)")) }
        #expect(customer.inbox.isEmpty)
        #expect(shop.sentMessages.map(\.status) == [.sent, .sent, .sent])
        await session.stop()
    }

    @Test func reorderedAcksDeliverReadBeforeDelivered() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)
        harness.network.updateFaults { $0.reorderAcks = true }

        _ = try await session.send(simulatedText("hi", to: customer.jid, id: "3EB00000000000000040"))
        await session.stop()
        let statuses = await reader.rest().compactMap(\.simulatedStatus)
        #expect(statuses == [.sent, .read, .delivered])
        // A consumer that keeps status monotonic ends at `read`.
        let final = statuses.reduce(MessageStatus.pending) { $0.canAdvance(to: $1) ? $1 : $0 }
        #expect(final == .read)
        #expect(customer.inbox.first?.readAt != nil)
    }

    @Test func failedSendsThrowTransportErrorAndRetriesSendOnce() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, _) = try await harness.linkedSession(to: shop.number)
        harness.network.updateFaults { $0.failNextSends = 2 }

        let message = simulatedText("retry me", to: customer.jid, id: "3EB00000000000000050")
        await expectWAError(.transportError) { try await session.send(message) }
        await expectWAError(.transportError) { try await session.send(message) }
        let receipt = try await session.send(message)
        #expect(receipt.wasAlreadySent == false)
        #expect(try await session.send(message).wasAlreadySent)
        #expect(harness.network.deliveries(to: customer.number).count == 1)

        shop.updateFaults { $0.sendFailureProbability = 1 }
        await expectWAError(.transportError) { try await session.send(simulatedText("no", to: customer.jid, id: "3EB00000000000000051")) }
        shop.updateFaults { $0.sendFailureProbability = 0 }
        _ = try await session.send(simulatedText("yes", to: customer.jid, id: "3EB00000000000000051"))
        #expect(harness.network.deliveries(to: customer.number).count == 2)
        await session.stop()
    }

    @Test func transientDisconnectEndsTheSessionButKeepsTheLink() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let instance = harness.newInstance()
        let (session, reader) = try await harness.linkedSession(to: shop.number, instance: instance)
        let archive = try #require(try await session.exportArchive())

        harness.network.disconnect(instance: instance, reason: .connectionLost)
        #expect(await reader.rest() == [.disconnected(.connectionLost)])
        await expectWAError(.sessionNotReady) { try await session.lookUp(SimulatorNumbers.customer) }

        // The supervisor makes a new session from the archive: no QR needed.
        let again = harness.network.makeSimulatedSession(harness.configuration(instance, archive: archive))
        try await again.start()
        #expect(again.isReady)
        harness.network.disconnect(phone: shop.number, reason: .timeout)
        #expect(again.hasEnded)
    }

    @Test func disconnectingWithLoggedOutInvalidatesTheArchive() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let instance = harness.newInstance()
        let (session, reader) = try await harness.linkedSession(to: shop.number, instance: instance)
        let archive = try #require(try await session.exportArchive())
        harness.network.disconnect(instance: instance, reason: .loggedOut)
        #expect(await reader.rest() == [.stateChanged(.unpaired), .disconnected(.loggedOut)])
        let again = harness.network.makeSimulatedSession(harness.configuration(instance, archive: archive))
        let events = EventReader(again.events)
        try await again.start()
        #expect(await events.rest().last == .disconnected(.authFailure))
    }

    @Test func bannedAccountsAreDisconnectedAndDisappear() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, reader) = try await harness.linkedSession(to: shop.number)
        let (customerSession, _) = try await harness.linkedSession(to: customer.number)
        let archive = try #require(try await session.exportArchive())

        harness.network.ban(shop.number)
        #expect(await reader.rest() == [.stateChanged(.blocked), .disconnected(.banned)])
        #expect(DisconnectReason.banned.kind == .terminal)
        #expect(try await customerSession.lookUp(shop.number) == nil)
        await expectWAError(.recipientNotOnWhatsApp) {
            try await customerSession.send(simulatedText("hello?", to: shop.jid, id: "3EB00000000000000060"))
        }
        expectWAError(.transportError) { try shop.send(text: "still here", to: customer.number) }

        let restored = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        let events = EventReader(restored.events)
        try await restored.start()
        #expect(await events.rest() == [.stateChanged(.opening), .stateChanged(.blocked), .disconnected(.banned)])
        await customerSession.stop()
    }

    @Test func restrictedAccountsCannotSend() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let customer = harness.network.addPhone(SimulatorNumbers.customer, name: "Ada")
        let (session, _) = try await harness.linkedSession(to: shop.number)

        harness.network.restrict(shop.number, until: harness.clock.now().addingTimeInterval(3600))
        #expect(session.isReady)  // still connected, but sends fail
        let restricted = await expectWAError(.accountRestricted) { try await session.send(simulatedText("no", to: customer.jid, id: "3EB00000000000000070")) }
        // A restriction with a known end says when it ends, and is worth retrying then.
        #expect(restricted?.retryAfter == .seconds(3600) && restricted?.kind == .rateLimited && restricted?.isRetryable == true)
        harness.clock.advance(by: .seconds(3600))
        _ = try await session.send(simulatedText("again", to: customer.jid, id: "3EB00000000000000070"))
        #expect(customer.inbox.count == 1)

        harness.network.restrict(shop.number)
        let indefinite = await expectWAError(.accountRestricted) { try await session.send(simulatedText("no", to: customer.jid, id: "3EB00000000000000071")) }
        #expect(indefinite?.retryAfter == nil && indefinite?.isRetryable == false)
        harness.network.liftRestriction(shop.number)
        _ = try await session.send(simulatedText("ok", to: customer.jid, id: "3EB00000000000000071"))
        await session.stop()
    }

    @Test func restrictionCanDisconnectSessions() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let (session, reader) = try await harness.linkedSession(to: shop.number)
        let archive = try #require(try await session.exportArchive())

        harness.network.restrict(shop.number, disconnectSessions: true)
        #expect(await reader.rest() == [.disconnected(.restricted)])
        let restored = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        let events = EventReader(restored.events)
        try await restored.start()
        #expect(await events.rest().last == .disconnected(.restricted))

        harness.network.liftRestriction(shop.number)
        let later = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        try await later.start()
        #expect(later.isReady)
        await later.stop()
    }

    @Test func takeOverIsAConflict() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let (session, reader) = try await harness.linkedSession(to: shop.number)
        let archive = try #require(try await session.exportArchive())

        harness.network.takeOver(shop.number)
        #expect(await reader.rest() == [.stateChanged(.conflict), .disconnected(.conflict)])
        #expect(try await session.exportArchive() == archive)  // the link is still valid

        let restored = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance(), archive: archive))
        try await restored.start()
        #expect(restored.isReady)
        await restored.stop()
    }
}
