import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Failure recovery")
struct FailureRecoveryTests {
    @Test func aTransientDisconnectReconnectsAndDrainsTheQueue() async throws {
        let clock = TestClock()
        let env = ServiceEnvironment.testing(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 5))
        let shop = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        let ada = network.addPhone(try PhoneNumber("+49 170 1234567"), name: "Ada")
        let supervisor = InstanceSupervisor(
            environment: env, transport: network, nodeID: "node-a", eventHandler: MessageEventHandler(environment: env),
            configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
        let instances = InstanceService(environment: env, supervisor: supervisor)
        let messaging = MessagingService(environment: env)
        let dispatcher = MessageDispatcher(environment: env, sessions: supervisor)
        let (org, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let me = Principal.acting(as: admin)
        let instance = try await instances.create(name: "support", by: me)
        _ = try await instances.start(instance.id, by: me)
        let qr = try await clock.waitFor("the QR code") { try await instances.linkCode(instance.id, by: me) }
        try network.scan(qrCode: qr.value, with: shop.number)
        _ = try await clock.waitFor("a ready session") { await supervisor.readySession(for: instance.id) }

        // The connection drops; messages queued meanwhile wait for the session instead of failing.
        network.disconnect(instance: instance.id, reason: .connectionLost)
        try await clock.waitUntil("the instance to be reconnecting") {
            try await instances.get(instance.id, by: me).status == .reconnecting
        }
        var queued: [MessageID] = []
        for i in 0..<3 { queued.append(try await messaging.send(.text("Update \(i)", to: ada.number, from: instance.id), by: me).id) }
        _ = try await clock.run { try await dispatcher.runOnce(worker: "w") }
        #expect(ada.inbox.isEmpty)

        // The supervisor reconnects from the stored archive after its backoff (the clock moves to the backoff's end
        // once nothing else happens) ...
        _ = try await clock.waitFor("the reconnected session", advancing: true) {
            await supervisor.readySession(for: instance.id)
        }
        // ... and the queue drains, in order: the dispatcher runs whatever is due, and the clock moves to the next
        // waiting job when nothing is.
        try await clock.run {
            for _ in 0..<1_000 where ada.inbox.count < 3 {
                if try await dispatcher.runOnce(worker: "w") > 0 { continue }
                let due = try await env.store.transaction(.organization(org.id)) {
                    try await $0.jobs.list(
                        in: org.id, where: .init(queue: MessagingService.sendQueue, state: .available), page: .all
                    ).items
                }.map(\.scheduledAt).min()
                guard let due else { break }
                if due > clock.now() { clock.set(due) }
            }
        }
        #expect(ada.inbox.map(\.body) == ["Update 0", "Update 1", "Update 2"])
        let status = try await instances.get(instance.id, by: me).status
        #expect(status == .ready)
        await supervisor.stopAll()
    }

    /// A receiver that goes down for a week, with the standard retry and health policies: every delivery is retried
    /// on the Svix schedule, the endpoint is disabled once failures span five days, later events skip it, and
    /// after the receiver is fixed and a test event re-enables it, the failed deliveries are replayed byte for
    /// byte.
    @Test func aFailingWebhookEndpointIsRetriedOnScheduleThenDisabledThenReplayed() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let created = try await bed.service.create(url: "https://crm.example.com/hook", by: t.admin)
        let url = created.endpoint.url
        bed.sender.setOutcome(.response(statusCode: 503), for: url)
        let start = bed.clock.now()

        // One event a day for a week; the worker runs whenever a delivery is due.
        var events: [WebhookEvent] = []
        for day in 0..<7 {
            let (event, deliveries) = try await bed.publish(.messageReceived, in: t.org, data: ["day": .integer(Int64(day))])
            events.append(event)
            #expect(deliveries.count == (try await bed.storedEndpoint(created.endpoint.id, in: t.org).isEnabled ? 1 : 0))
            let nextDay = start.addingTimeInterval(Double(day + 1) * 86_400)
            while true {
                _ = try await bed.worker.runOnce(worker: "w")
                let due = try await bed.jobs(t.org).filter { $0.state == .available }.map(\.scheduledAt).min()
                guard let due, due < nextDay else { break }
                if due > bed.clock.now() { bed.clock.set(due) }
            }
            bed.clock.set(nextDay)
        }

        // The first delivery followed the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, ±10 % jitter).
        let deliveries = try await bed.deliveries(t.org).sorted { $0.createdAt < $1.createdAt }
        let first = try #require(deliveries.first)
        let gaps = zip(first.attempts.dropFirst(), first.attempts).map { $0.startedAt.timeIntervalSince($1.startedAt) }
        let schedule: [Double] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
        #expect(gaps.count == schedule.count)
        for (gap, base) in zip(gaps, schedule) { #expect(gap >= base * 0.9 && gap <= base * 1.1, "gap \(gap) for \(base)") }
        #expect(first.status == .failed)

        // Disabled once ten failures spanned five days; nothing was sent to it afterwards.
        let disabled = try await bed.storedEndpoint(created.endpoint.id, in: t.org)
        #expect(!disabled.isEnabled && disabled.disabledReason?.hasPrefix(WebhookEndpointHealthPolicy.reasonPrefix) == true)
        let disabledAt = try #require(try await bed.auditEvents(t.org, action: "webhook_endpoint.disabled").first).occurredAt
        let span = disabledAt.timeIntervalSince(start)
        #expect(span >= 5 * 86_400 && span < 6 * 86_400)
        #expect(bed.sender.requests(to: url).count == deliveries.reduce(0) { $0 + $1.attempts.count })
        #expect(deliveries.count == 6, "the seventh event skipped the disabled endpoint")
        #expect(deliveries.allSatisfy { $0.status == .failed })
        #expect(try await bed.jobs(t.org).allSatisfy { $0.state.isFinal })

        // Replaying is refused while the endpoint is disabled.
        await expectWAError(.webhookEndpointDisabled) { try await bed.service.replay(first.id, by: t.manager) }

        // The receiver is fixed; a test event re-enables the endpoint; every failed delivery is replayed.
        bed.sender.setOutcome(.response(statusCode: 204), for: url)
        _ = try await bed.service.sendTestEvent(to: created.endpoint.id, by: t.manager)
        while try await bed.worker.runOnce(worker: "w") > 0 {}
        #expect(try await bed.storedEndpoint(created.endpoint.id, in: t.org).isEnabled)
        let before = bed.sender.requests(to: url).count
        for delivery in deliveries { _ = try await bed.service.replay(delivery.id, by: t.manager) }
        while try await bed.worker.runOnce(worker: "w") > 0 {}
        let replayed = Array(bed.sender.requests(to: url).dropFirst(before))
        #expect(replayed.count == 6)
        for (request, event) in zip(replayed.sorted { ($0.header("webhook-id") ?? "") < ($1.header("webhook-id") ?? "") },
                                    events.prefix(6).sorted { $0.id.description < $1.id.description }) {
            #expect(request.header("webhook-id") == event.id.description && request.body == event.encoded())
            try StandardWebhookVerifier(secret: created.secret)
                .verify(payload: request.body, headers: WebhookTestbed.headers(request), now: bed.clock.now())
        }
        #expect(try await bed.deliveries(t.org).filter { $0.eventType == "message.received" }.allSatisfy {
            $0.status == .succeeded
        })
        let actions = try await bed.auditActions(t.org)
        #expect(actions.filter { $0 == "webhook_delivery.replayed" }.count == 6)
        #expect(actions.contains("webhook_endpoint.disabled") && actions.contains("webhook_endpoint.enabled"))
    }
}
