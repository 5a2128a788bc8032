import Foundation
import Testing
import WABrowser
import WACore
import WACoreTesting

/// The gateway end to end on WhatsApp Web in a real headless Chromium, in real time: the repository's WhatsApp Web
/// fixture (Tests/WABrowserTests/Fixtures) in offline mode stands in for web.whatsapp.com and the phone. An instance
/// is linked by QR code, messages go out through the dispatcher and reach `read`, a reply comes in, and stopping the
/// gateway leaves no browser behind.
@Suite(.enabled(if: LocalChromium.available, "no Chromium installed (apt-get install chromium)"))
struct WhatsAppWebWalkthroughTests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("WABrowserTests/Fixtures/whatsapp-web").path

    @Test func linkSendReceiveAndStop() async throws {
        let profiles = FileManager.default.temporaryDirectory.appendingPathComponent("wa-e2e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profiles) }
        let transport = WhatsAppWebTransport(configuration: WhatsAppWebConfiguration(
            profilesDirectory: profiles, url: "https://web.whatsapp.com/?ackMs=50",
            offlineSite: OfflineSite(directory: Self.fixture), launchTimeout: .seconds(120),
            healthCheckTimeout: .seconds(60)))
        // A person who types fast: the behaviour plan's steps stay, its waits shrink to milliseconds.
        let quick = BehaviourConfiguration(
            typingPerCharacter: .milliseconds(1) ... .milliseconds(1), typingFloor: .milliseconds(10),
            typingCeiling: .milliseconds(50), readingPause: .milliseconds(5) ... .milliseconds(10),
            attachPause: .milliseconds(5) ... .milliseconds(10), beforeSendPause: .milliseconds(5) ... .milliseconds(10),
            gap: .milliseconds(10) ... .milliseconds(20))
        let environment = ServiceEnvironment.inMemory(passwordHasher: InsecureFastPasswordHasher(random: SystemRandomSource()))
        // One node: a lease long enough that a machine busy with a whole test run never lets it lapse (leases are
        // not what this test is about).
        let gateway = Gateway(
            environment: environment, transport: transport,
            configuration: .init(
                nodeID: "node-a", supervisor: .init(leaseDuration: .seconds(300), renewInterval: .seconds(10)),
                behaviour: BehaviourPlanner(configuration: quick)))
        let running = Task { try await gateway.run() }
        defer { running.cancel() }

        let (_, admin) = try await gateway.team.createOrganization(
            name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let me = Principal.acting(as: admin)
        let instance = try await gateway.instances.create(name: "support", warmUp: .disabled, by: me)
        try await gateway.instances.start(instance.id, by: me)

        // The QR code comes from the page; the "phone" scans it in the fixture.
        let code = try await Self.poll("a QR code") { try await gateway.instances.linkCode(instance.id, by: me) }
        #expect(code.value.split(separator: ",").count == 5)
        let page = try #require(transport.session(for: instance.id)?.page)
        _ = try await page.evaluate("__fx.scan('4917000000001').then(() => true)", as: Bool.self)
        try await Self.poll("the instance ready") {
            try await gateway.instances.get(instance.id, by: me).status == .ready ? true : nil
        }

        // Three customers; the dispatcher sends, WhatsApp Web acks, the statuses reach read.
        let customers = try (1...3).map { try PhoneNumber("+49171100000\($0)") }
        for customer in customers {
            _ = try await page.evaluate("(__fx.registered.add('\(customer.digits)'), true)", as: Bool.self)
        }
        var sent: [Message] = []
        for (index, customer) in customers.enumerated() {
            sent.append(try await gateway.messaging.send(
                .text("Your order #\(index) shipped", to: customer, from: instance.id), by: me))
        }
        for message in sent {
            try await Self.poll("message \(message.id) read") {
                try await gateway.messaging.get(message.id, by: me).status == .read ? true : nil
            }
            #expect(try await gateway.messaging.get(message.id, by: me).whatsappID?.contains("3EB0") == true)
        }
        let log = try await page.evaluate("__fx.log.filter(e => e.call === 'send').length", as: Int.self)
        #expect(log == 3)

        // A customer answers.
        _ = try await page.evaluate(
            "(__fx.incoming({from: '\(customers[0].digits)@c.us', body: 'Thank you!', notifyName: 'Bea'}), true)",
            as: Bool.self)
        let reply = try await Self.poll("the reply stored") {
            try await gateway.messaging.list(by: me).items.first { $0.direction == .inbound }
        }
        #expect(reply.body == "Thank you!")

        // Stopping the instance closes its browser.
        try await gateway.instances.stop(instance.id, by: me)
        let left = ChromiumProcess.processes(usingProfile: "\(profiles)/\(instance.id)")
        #expect(left.isEmpty, "Chromium processes left: \(left)")
    }

    /// Polls `probe` every 50 ms of real time until it returns a value (120 s at most: the whole test run shares the
    /// machine with the browser).
    @discardableResult
    static func poll<Value>(_ what: String, _ probe: () async throws -> Value?) async throws -> Value {
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }
}

/// Whether the browser tests can run: on CI always (a missing Chromium then fails them), elsewhere when one is
/// installed.
enum LocalChromium {
    static var available: Bool {
        let ci = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(ci.lowercased())
            || FileManager.default.isExecutableFile(atPath: ChromiumLaunchOptions.locateExecutable())
    }
}
