import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Simulator: linking")
struct SimulatorLinkingTests {
    @Test func qrCodeIsShownAndRotatesOnTheClockUntilItTimesOut() async throws {
        let harness = SimulatorHarness()
        let instance = harness.newInstance()
        let session = harness.network.makeSimulatedSession(harness.configuration(instance))
        let reader = EventReader(session.events)
        try await session.start()

        #expect(await reader.next() == .stateChanged(.opening))
        var codes: [String] = []
        guard case .qrCode(let first) = await reader.next() else { Issue.record("no QR code"); return }
        codes.append(first)
        #expect(first.hasPrefix("sim:\(instance):1:"))
        #expect(session.currentCode == first)
        #expect(harness.network.currentCode(of: instance) == first)

        for number in 2...5 {
            try await harness.clock.waitForSleepers(1)
            harness.clock.advance(by: .seconds(20))
            guard case .qrCode(let code) = await reader.next() else { Issue.record("no QR code \(number)"); return }
            #expect(code.hasPrefix("sim:\(instance):\(number):"))
            codes.append(code)
        }
        #expect(Set(codes).count == 5)

        // The fifth code expires: linking gives up with a terminal reason and the events finish.
        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(20))
        #expect(await reader.rest() == [.disconnected(.linkTimeout)])
        #expect(DisconnectReason.linkTimeout.kind == .terminal)
        #expect(session.hasEnded)
    }

    @Test func advancingPastSeveralRotationsShowsEveryCodeInOrder() async throws {
        let harness = SimulatorHarness(configuration: .init(qrCodeLimit: 3))
        let session = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        harness.clock.advance(by: .seconds(3600))
        let events = await reader.rest()
        #expect(events.filter(\.isSimulatedQRCode).count == 3)
        #expect(events.last == .disconnected(.linkTimeout))
    }

    @Test func scanningTheQRCodeAuthenticatesLoadsAndIsReady() async throws {
        let harness = SimulatorHarness()
        let shop = harness.network.addPhone(SimulatorNumbers.shop, name: "Shop", lid: JID("123456789012345@lid"))
        let session = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        #expect(session.linkedPhone == nil)
        #expect(try await session.exportArchive() == nil)
        _ = await reader.next()
        guard case .qrCode(let qr) = await reader.next() else { Issue.record("no QR code"); return }

        try harness.network.scan(qrCode: qr, with: shop.number)

        let info = AccountInfo(jid: shop.jid, lid: JID("123456789012345@lid"), phone: shop.number, pushName: "Shop")
        #expect(await reader.take(7) == [
            .authenticated, .loading(percent: 25), .loading(percent: 50), .loading(percent: 75),
            .loading(percent: 100), .stateChanged(.connected), .ready(info),
        ])
        #expect(session.isReady)
        #expect(session.linkedPhone == shop.number)
        #expect(harness.clock.sleeperCount == 0)  // the rotation timer stopped
        await session.stop()
        #expect(await reader.rest() == [])
    }

    @Test func rotatedAwayAndUnknownCodesDoNotLink() async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let session = harness.network.makeSimulatedSession(harness.configuration(harness.newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        let first = try #require(await reader.next { if case .qrCode(let c) = $0 { c } else { nil } })
        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(20))
        let second = try #require(await reader.next { if case .qrCode(let c) = $0 { c } else { nil } })

        expectWAError(.invalidArgument) { try harness.network.scan(qrCode: first, with: SimulatorNumbers.shop) }
        expectWAError(.recipientNotOnWhatsApp) { try harness.network.scan(qrCode: second, with: SimulatorNumbers.stranger) }
        expectWAError(.invalidArgument) { try harness.network.enterPairingCode(second, on: SimulatorNumbers.shop) }
        try harness.network.scan(qrCode: second, with: SimulatorNumbers.shop)
        #expect(session.isReady)
        await session.stop()
    }

    @Test func pairingCodeLinksOnlyTheRequestedPhone() async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        harness.network.addPhone(SimulatorNumbers.other, name: "Other")
        let session = harness.network.makeSimulatedSession(
            harness.configuration(harness.newInstance(), link: .pairingCode(SimulatorNumbers.shop)))
        let reader = EventReader(session.events)
        try await session.start()
        #expect(await reader.next() == .stateChanged(.opening))
        guard case .pairingCode(let code) = await reader.next() else { Issue.record("no pairing code"); return }
        #expect(code.wholeMatch(of: /[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}/) != nil)

        expectWAError(.invalidArgument) { try harness.network.enterPairingCode(code, on: SimulatorNumbers.other) }
        expectWAError(.invalidArgument) { try harness.network.scan(qrCode: code, with: SimulatorNumbers.shop) }
        // Typed on the phone: case, spaces and the dash do not matter.
        try harness.network.enterPairingCode(code.lowercased().replacingOccurrences(of: "-", with: " "), on: SimulatorNumbers.shop)
        #expect(await reader.next() == .authenticated)
        let info = try #require(await reader.next { if case .ready(let info) = $0 { info } else { nil } })
        #expect(info.phone == SimulatorNumbers.shop)
        await session.stop()
    }

    @Test func pairingCodeExpiresAfterTheLinkWindow() async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let session = harness.network.makeSimulatedSession(
            harness.configuration(harness.newInstance(), link: .pairingCode(SimulatorNumbers.shop)))
        let reader = EventReader(session.events)
        try await session.start()
        try await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(100))
        let events = await reader.rest()
        #expect(events.count == 3)
        #expect(events.last == .disconnected(.linkTimeout))
    }

    @Test func pairingCodeForANumberNotOnWhatsAppFailsToStart() async throws {
        let harness = SimulatorHarness()
        let session = harness.network.makeSimulatedSession(
            harness.configuration(harness.newInstance(), link: .pairingCode(SimulatorNumbers.stranger)))
        let reader = EventReader(session.events)
        await expectWAError(.recipientNotOnWhatsApp) { try await session.start() }
        #expect(await reader.rest() == [.stateChanged(.opening)])
    }

    @Test func linkInstanceScansWhateverTheInstanceShows() async throws {
        let harness = SimulatorHarness()
        harness.network.addPhone(SimulatorNumbers.shop, name: "Shop")
        let instance = harness.newInstance()
        expectWAError(.notFound) { try harness.network.link(instance: instance, to: SimulatorNumbers.shop) }
        let session = harness.network.makeSimulatedSession(harness.configuration(instance))
        try await session.start()
        try harness.network.link(instance: instance, to: SimulatorNumbers.shop)
        #expect(session.isReady)
        #expect(harness.network.currentCode(of: instance) == nil)
        await session.stop()
    }

    @Test func codesAreDeterministicForASeed() async throws {
        func firstCode(seed: UInt64) async throws -> String? {
            let harness = SimulatorHarness(seed: seed)
            let instance = InstanceID(high: 1, low: 2)
            let session = harness.network.makeSimulatedSession(harness.configuration(instance))
            try await session.start()
            let code = session.currentCode
            await session.stop()
            return code
        }
        let a = try await firstCode(seed: 1)
        #expect(a != nil)
        #expect(try await firstCode(seed: 1) == a)
        #expect(try await firstCode(seed: 2) != a)
    }

    @Test func theNetworkIsAWhatsAppTransport() async throws {
        let harness = SimulatorHarness()
        let transport: any WhatsAppTransport = harness.network
        let session = try await transport.makeSession(harness.configuration(harness.newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        #expect(await reader.next() == .stateChanged(.opening))
        await session.stop()
        #expect(await reader.rest().count == 1)  // the QR code, then the stream finished
    }
}
