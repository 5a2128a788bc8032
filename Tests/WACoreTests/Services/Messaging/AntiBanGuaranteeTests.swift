import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

/// What the anti-ban limits promise, measured from outside: the send times the simulated phones record, never the
/// dispatcher's own bookkeeping. Two dispatchers (two nodes) share the store and drain, in virtual time, a burst
/// big enough to meet every cap (more than a day of work), steady traffic and sends to numbers that are not on
/// WhatsApp; one instance is a brand-new account that warms up.
@Suite("Anti-ban guarantees")
struct AntiBanGuaranteeTests {
    /// A limits configuration: the warm account's caps (nil: the standard 20/100/1000) and the curve of the new one.
    struct Configuration: Sendable, CustomTestStringConvertible {
        var name: String
        var limits: InstanceRateLimits?
        var warmUp: WarmUpCurve
        /// Messages queued at once for the warm account, and for the new one.
        var burst: Int
        var newAccountBurst: Int
        var testDescription: String { name }
    }

    static let configurations = [
        Configuration(
            name: "standard limits", limits: nil, warmUp: WarmUpCurve(), burst: 1_060, newAccountBurst: 190),
        Configuration(
            name: "configured limits",
            limits: InstanceRateLimits(perMinute: 4, perHour: 30, perDay: 120),
            warmUp: WarmUpCurve(initialFraction: 0.5, rampDays: 2), burst: 160, newAccountBurst: 110),
    ]

    @Test(arguments: configurations)
    func capsHoldOverEverySlidingWindowAndPausesFollowEverySend(_ configuration: Configuration) async throws {
        let clock = TestClock()
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 23))
        let directory = TestSessionDirectory()
        let handler = MessageEventHandler(environment: env)
        let (organization, admin) = try await TeamService(environment: env).createOrganization(
            name: "Shop", slug: "shop", plan: .enterprise, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let org = organization.id
        let warm = try await SimulatedShop.link(
            try PhoneNumber("+49 170 0000001"), name: "Warm", instanceName: "warm", in: org, env: env,
            network: network, directory: directory, handler: handler, rateLimits: configuration.limits,
            warmUp: .disabled)
        let fresh = try await SimulatedShop.link(
            try PhoneNumber("+49 170 0000002"), name: "Fresh", instanceName: "fresh", in: org, env: env,
            network: network, directory: directory, handler: handler, rateLimits: configuration.limits,
            warmUp: configuration.warmUp)
        defer {
            warm.pump.cancel()
            fresh.pump.cancel()
        }
        let messaging = MessagingService(environment: env)
        let principal = Principal.acting(as: admin)

        // Recipients: one in 20 is not on WhatsApp, so those sends fail.
        var random = SeededRandomSource(seed: 5).generator
        func recipient(_ i: Int) throws -> PhoneNumber {
            let number = try PhoneNumber("+49 171 \(1_000_000 + i)")
            if i % 20 != 7 { _ = network.addPhone(number, name: "Customer \(i)") }
            return number
        }
        var queued = 0
        for (shop, count) in [(warm, configuration.burst), (fresh, configuration.newAccountBurst)] {
            for _ in 0..<count {
                let text = String(repeating: "x", count: Int.random(in: 5...60, using: &random))
                _ = try await messaging.send(.text(text, to: try recipient(queued), from: shop.instance.id), by: principal)
                queued += 1
            }
        }

        // Two nodes drain the queue at once until every message is final.
        let nodes = [
            MessageDispatcher(environment: env, sessions: directory),
            MessageDispatcher(environment: env, sessions: directory),
        ]
        let start = clock.now()
        try await clock.run {
            while true {
                let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, node) in nodes.enumerated() {
                        group.addTask { try await node.runOnce(worker: "node-\(index)", limit: 4) }
                    }
                    return try await group.reduce(0, +)
                }
                if claimed > 0 { continue }
                let jobs = try await everyPage { page in
                    try await env.store.transaction(.organization(org)) { tx in
                        try await tx.jobs.list(in: org, where: .init(queue: MessagingService.sendQueue), page: page)
                    }
                }
                let next = jobs.compactMap { job -> Date? in
                    switch job.state {
                    case .available: job.scheduledAt
                    case .running: job.lockedUntil
                    default: nil
                    }
                }.min()
                guard let next else { return }
                if next > clock.now() { clock.set(next) }
            }
        }
        #expect(clock.now().timeIntervalSince(start) > 86_400, "the burst keeps the warm account busy for over a day")

        let limits = configuration.limits ?? .standard
        let minimumGap = BehaviourConfiguration.standard.gap.lowerBound.inSeconds
        for (shop, curve) in [(warm, WarmUpCurve.disabled), (fresh, configuration.warmUp)] {
            // What the phone itself sent, in order.
            let sends = shop.phone.sentMessages.map(\.sentAt).sorted()
            // Every send passed the caps in force at its instant, over the window ending there.
            for (index, at) in sends.enumerated() {
                let day = WarmUpCurve.ageInDays(linkedAt: start, now: at)
                let caps = curve.scaled(limits, day: day)
                for (cap, window) in [(caps.perMinute, 60.0), (caps.perHour, 3_600.0), (caps.perDay, 86_400.0)] {
                    let inWindow = sends[...index].reversed().prefix { at.timeIntervalSince($0) < window }.count
                    #expect(inWindow <= cap, "\(shop.instance.name): \(inWindow) sends in the \(Int(window)) s before \(at), cap \(cap)")
                }
            }
            // Attempts (sends, and sends WhatsApp refused) never follow each other closer than the pause.
            let failed = try await everyPage { page in
                try await env.store.transaction(.organization(org)) { tx in
                    try await tx.messages.list(in: org, where: .init(instanceID: shop.instance.id, status: .failed), page: page)
                }
            }.compactMap(\.timestamps.failedAt)
            #expect(!failed.isEmpty)
            let attempts = (sends + failed).sorted()
            // The caps were reached, so they were tested: the first day holds the day's cap of attempts (a send that
            // WhatsApp refused counts, as it does for WhatsApp).
            let firstDay = attempts.prefix { $0.timeIntervalSince(start) < 86_400 }.count
            #expect(firstDay == curve.scaled(limits, day: 0).perDay, "\(shop.instance.name) filled its first day")
            let closest = zip(attempts.dropFirst(), attempts).map { $0.timeIntervalSince($1) }.min() ?? .infinity
            #expect(closest >= minimumGap, "\(shop.instance.name): two attempts \(closest) s apart")
        }
    }

    @Test("typing lasts 60–100 ms a character within its clamps and ends with paused")
    func typingIsPacedAndEnds() async throws {
        let h = try await MessagingHarness()
        for (index, length) in [3, 40, 150, 400].enumerated() {
            let customer = try h.phone("123456\(index)")
            let text = String(repeating: "a", count: length)
            let message = try await h.send(text, to: customer)
            try await h.dispatchAll()
            let sent = try #require(customer.inbox.first).sentAt
            // Typing starts once the message is pending (after any wait for the caps).
            let before = try #require(try await h.message(message.id).timestamps.pendingAt)
            let configuration = BehaviourConfiguration.standard
            func clamped(_ typing: Duration) -> Duration {
                min(configuration.typingCeiling, max(configuration.typingFloor, typing))
            }
            let lower = clamped(.milliseconds(60) * length)
            let upper = clamped(.milliseconds(100) * length)
            // Typing, the hesitation before sending (and a reading pause for an unread chat) lie between.
            let elapsed = sent.timeIntervalSince(before)
            #expect(elapsed >= lower.inSeconds, "\(length) characters typed in \(elapsed) s")
            #expect(
                elapsed <= (upper + configuration.beforeSendPause.upperBound + configuration.readingPause.upperBound).inSeconds,
                "\(length) characters typed in \(elapsed) s")
            #expect(h.shop.presence(in: customer.number) == .paused, "the typing indicator ended")
        }
    }
}
