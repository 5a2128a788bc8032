import Foundation
import Synchronization
import Testing
import WABrowser
import WACore

/// A ``WhatsAppWebSession`` against the repository's WhatsApp Web fixture (Tests/WABrowserTests/Fixtures), served in
/// offline mode at the real origin, on a profile directory the test owns.
struct FixtureSession {
    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/whatsapp-web").path

    let profiles: String
    let instanceID: InstanceID
    let organizationID: OrganizationID

    init() {
        profiles = FileManager.default.temporaryDirectory.appendingPathComponent("wa-web-test-\(UUID().uuidString)").path
        let ids = IdentifierGenerator(clock: SystemWallClock(), random: SystemRandomSource())
        instanceID = ids.make()
        organizationID = ids.make()
    }

    /// A session on the fixture with fast timings: QR codes every 400 ms, acks 50 ms apart.
    func makeSession(
        query: String = "qrMs=400&qrMax=6&ackMs=50", linkMethod: SessionConfiguration.LinkMethod = .qrCode,
        archive: SessionArchive? = nil, fingerprint: Fingerprint? = nil,
        configure: (inout WhatsAppWebConfiguration) -> Void = { _ in }
    ) async throws -> WhatsAppWebSession {
        var configuration = WhatsAppWebConfiguration(
            profilesDirectory: profiles, url: "https://web.whatsapp.com/?\(query)",
            offlineSite: OfflineSite(directory: Self.fixtureDirectory), launchTimeout: .seconds(120),
            healthCheckTimeout: .seconds(60))
        configure(&configuration)
        let session = try await WhatsAppWebTransport(configuration: configuration).makeSession(
            SessionConfiguration(
                organizationID: organizationID, instanceID: instanceID, linkMethod: linkMethod, archive: archive,
                fingerprint: fingerprint))
        return try #require(session as? WhatsAppWebSession)
    }

    /// Runs `body`, then removes the profiles (sessions must be stopped by then) and checks no browser is left.
    func run(_ body: () async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(atPath: profiles) }
        try await body()
        let left = ChromiumProcess.processes(usingProfile: "\(profiles)/\(instanceID)")
        #expect(left.isEmpty, "Chromium processes left: \(left)")
    }
}

/// Records a session's events as they come, for tests to wait on.
final class EventRecorder: Sendable {
    private let recorded = Mutex<(events: [SessionEvent], finished: Bool)>(([], false))

    init(_ session: WhatsAppWebSession) {
        let events = session.events
        Task { [self] in
            for await event in events { recorded.withLock { $0.events.append(event) } }
            recorded.withLock { $0.finished = true }
        }
    }

    var events: [SessionEvent] { recorded.withLock { $0.events } }
    var finished: Bool { recorded.withLock { $0.finished } }

    /// Waits (in real time, up to `limit`) until an event at or after `start` matches; returns it and its index.
    @discardableResult
    func waitFor(
        _ what: String, from start: Int = 0, within limit: Duration = .seconds(90),
        sourceLocation: SourceLocation = #_sourceLocation, _ matches: (SessionEvent) -> Bool
    ) async throws -> (event: SessionEvent, index: Int) {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            let (events, finished) = recorded.withLock { ($0.events, $0.finished) }
            if start < events.count, let index = events[start...].firstIndex(where: matches) {
                return (events[index], index)
            }
            if finished { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no \(what); events: \(events.map(\.name))", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Waits until the events have finished.
    func waitForEnd(within limit: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while !finished, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(finished, "the events did not finish", sourceLocation: sourceLocation)
    }
}
