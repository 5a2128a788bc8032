import Foundation
import Testing
import WACore
import WACoreTesting

/// A network on a test clock with a seeded random source, plus helpers to link sessions and read events.
struct SimulatorHarness {
    let clock = TestClock()
    let network: SimulatedWhatsApp
    let organization = OrganizationID(high: 0x0190_0000_0000_7000, low: 0x8000_0000_0000_0001)
    private let ids: IdentifierGenerator

    init(seed: UInt64 = 7, configuration: SimulatedWhatsApp.Configuration = .init()) {
        network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: seed), configuration: configuration)
        ids = IdentifierGenerator(clock: clock, random: SeededRandomSource(seed: seed &+ 1))
    }

    func newInstance() -> InstanceID { ids.make() }

    func configuration(
        _ instance: InstanceID, link: SessionConfiguration.LinkMethod = .qrCode, archive: SessionArchive? = nil
    ) -> SessionConfiguration {
        SessionConfiguration(organizationID: organization, instanceID: instance, linkMethod: link, archive: archive)
    }

    /// A started session linked to `phone` by scanning its first QR code, with the linking events consumed.
    func linkedSession(to phone: PhoneNumber, instance: InstanceID? = nil) async throws -> (SimulatedSession, EventReader) {
        let session = network.makeSimulatedSession(configuration(instance ?? newInstance()))
        let reader = EventReader(session.events)
        try await session.start()
        let qr = try #require(await reader.next { if case .qrCode(let code) = $0 { code } else { nil } })
        try network.scan(qrCode: qr, with: phone)
        _ = try #require(await reader.next { if case .ready(let info) = $0 { info } else { nil } })
        return (session, reader)
    }
}

/// Reads a session's events one at a time from a test.
final class EventReader {
    private var iterator: AsyncStream<SessionEvent>.Iterator

    init(_ events: AsyncStream<SessionEvent>) { iterator = events.makeAsyncIterator() }

    /// The next event, or `nil` once the stream finished.
    func next() async -> SessionEvent? { await iterator.next(isolation: #isolation) }

    /// Skips events until `match` returns a value; `nil` if the stream finished first.
    func next<T>(_ match: (SessionEvent) -> T?) async -> T? {
        while let event = await iterator.next(isolation: #isolation) {
            if let value = match(event) { return value }
        }
        return nil
    }

    /// Every event up to the end of the stream (call after the session ended).
    func rest() async -> [SessionEvent] {
        var events: [SessionEvent] = []
        while let event = await iterator.next(isolation: #isolation) { events.append(event) }
        return events
    }

    /// The next `count` events.
    func take(_ count: Int) async -> [SessionEvent] {
        var events: [SessionEvent] = []
        while events.count < count, let event = await iterator.next(isolation: #isolation) { events.append(event) }
        return events
    }
}

extension SessionEvent {
    var simulatedStatus: MessageStatus? {
        if case .messageStatus(_, _, let status, _) = self { status } else { nil }
    }

    var simulatedReceived: IncomingMessage? {
        if case .messageReceived(let message) = self { message } else { nil }
    }

    var isSimulatedQRCode: Bool {
        if case .qrCode = self { true } else { false }
    }
}

/// Well-formed test numbers (the simulator accepts any valid E.164 number).
enum SimulatorNumbers {
    static let shop = try! PhoneNumber("+14155550101")
    static let customer = try! PhoneNumber("+14155550102")
    static let other = try! PhoneNumber("+447911123456")
    static let stranger = try! PhoneNumber("+4915112345678")
}

func simulatedText(_ body: String, to chat: JID, id: String) -> OutgoingMessage {
    OutgoingMessage(chat: chat, content: .text(body), clientMessageID: id)
}
