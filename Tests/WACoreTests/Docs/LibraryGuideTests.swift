import Foundation
import Testing
import WACore
import WACoreTesting

/// The code of Docs/Library.md, compiled and run. Keep the two in step.
@Suite("Docs/Library.md")
struct LibraryGuideTests {
    @Test func composeTheServicesWithTheMemoryStoreAndTheSimulator() async throws {
        // --- Docs/Library.md: setup ---
        let clock = TestClock()
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 1))
        let shopPhone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = network.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")

        let handler = MessageEventHandler(environment: env)
        let supervisor = InstanceSupervisor(
            environment: env, transport: network, nodeID: "test", eventHandler: handler,
            configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
        let team = TeamService(environment: env)
        let instances = InstanceService(environment: env, supervisor: supervisor)
        let messaging = MessagingService(environment: env)
        let dispatcher = MessageDispatcher(environment: env, sessions: supervisor)

        // --- Docs/Library.md: link ---
        let (_, admin) = try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let (me, _) = try await team.authenticate(
            organizationSlug: "acme", email: admin.email, password: "correct horse battery staple")
        let instance = try await instances.create(name: "support", by: me)
        _ = try await instances.start(instance.id, by: me)
        let qr = try await clock.waitFor("the QR code") { try await instances.linkCode(instance.id, by: me) }
        try network.scan(qrCode: qr.value, with: shopPhone.number)
        _ = try await clock.waitFor("a ready session") { await supervisor.readySession(for: instance.id) }

        // --- Docs/Library.md: send ---
        let message = try await messaging.send(.text("Your order shipped 📦", to: ada.number, from: instance.id), by: me)
        try await clock.run { try await dispatcher.runOnce(worker: "test") }
        #expect(ada.inbox.map(\.text) == ["Your order shipped 📦"])

        // --- Docs/Library.md: receipts and replies ---
        ada.read(chat: shopPhone.number)
        try await clock.waitUntil("the read receipt") { try await messaging.get(message.id, by: me).status == .read }
        _ = try ada.send(text: "Thanks!", to: shopPhone.number)
        let inbound = try await clock.waitFor("the reply") { () async throws -> Message? in
            try await messaging.list(by: me, where: .init(direction: .inbound)).items.first
        }
        #expect(inbound.body == "Thanks!")
        await supervisor.stopAll()
    }

    /// Every line of code in Docs/Library.md appears in this file (the Package.swift lines and imports aside), so
    /// the guide cannot drift from the code compiled above.
    @Test func theGuideShowsTheCodeThisTestRuns() throws {
        let here = URL(fileURLWithPath: #filePath)
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("Docs/Library.md"), encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        func normalized(_ line: Substring) -> String {
            line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let sourceLines = source.split(separator: "\n").map(normalized)
        var inCode = false
        var checked = 0
        for rawLine in guide.split(separator: "\n", omittingEmptySubsequences: false) {
            if rawLine.hasPrefix("```") {
                inCode = rawLine.hasPrefix("```swift")
                continue
            }
            guard inCode else { continue }
            var line = rawLine
            if let comment = line.range(of: "//") { line = line[..<comment.lowerBound] }
            let code = normalized(line)
            if code.isEmpty || code.hasPrefix(".product(") || code.hasPrefix("import ") { continue }
            #expect(sourceLines.contains { $0.contains(code) }, "Docs/Library.md shows code this test does not run: \(code)")
            checked += 1
        }
        #expect(checked >= 25, "the guide's code was found (\(checked) lines)")
    }
}
