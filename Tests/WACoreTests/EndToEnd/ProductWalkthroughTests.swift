import Foundation
import Testing
import WACore
import WACoreTesting

/// The product end to end on the memory store and the simulated WhatsApp network, in virtual time: an
/// organization and its team, an API key with a subset of scopes, a linked instance, 50 messages whose statuses
/// reach `read` in order, replies that trigger an automation, media both ways, a 200-recipient campaign held to the 20-a-minute
/// tier, signed webhook deliveries for every event, and the audit trail of all of it.
@Suite("Product walkthrough")
struct ProductWalkthroughTests {
    @Test func theProductEndToEnd() async throws {
        // The world: a clock, the services, a simulated WhatsApp network with a shop phone and 50 customers.
        let clock = TestClock()
        let env = ServiceEnvironment.inMemory(clock: clock)
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 21))
        let shopPhone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        var customers: [SimulatedPhone] = []
        for i in 0..<50 {
            customers.append(network.addPhone(try PhoneNumber("+49 171 \(1_000_000 + i)"), name: "Customer \(i)"))
        }
        let webhooks = WebhookService(environment: env)
        let sender = RecordingWebhookSender()
        let deliveries = WebhookDeliveryWorker(service: webhooks, sender: sender)
        let risk = RiskService(environment: env, webhooks: webhooks)
        let engine = AutomationEngine(environment: env, webhooks: webhooks)
        let handler = MessageEventHandler(environment: env, webhooks: webhooks, risk: risk, onInbound: engine.handleInbound)
        // Tests fast-forward the clock by minutes at a time; a long lease keeps the supervisor's renewals ahead.
        let supervisor = InstanceSupervisor(
            environment: env, transport: network, nodeID: "node-a", webhooks: webhooks, eventHandler: handler,
            configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
        let dispatcher = MessageDispatcher(environment: env, sessions: supervisor, webhooks: webhooks, risk: risk)
        let team = TeamService(environment: env)
        let keys = APIKeyService(environment: env)
        let instances = InstanceService(environment: env, supervisor: supervisor)
        let messaging = MessagingService(environment: env)

        // 1. An organization, its admin, and an agent who joins by invitation.
        let (org, admin) = try await team.createOrganization(
            name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let (_, invitation) = try await team.invite(
            email: "bo@example.com", displayName: "Bo", role: .agent, by: .acting(as: admin))
        var agent = try await team.acceptInvitation(token: invitation.reveal(), password: "bo's own passphrase 1")

        // 2. A webhook endpoint; its secret is shown once.
        let endpoint = try await webhooks.create(url: "https://hooks.example.com/wa", by: .acting(as: admin))

        // 3. An instance, linked by QR code, assigned to the agent.
        // The shop's number has been in use for years: no warm-up (a new number would ramp up over 14 days).
        let instance = try await instances.create(name: "support", warmUp: .disabled, by: .acting(as: admin))
        agent = try await team.assign(instances: [instance.id], to: agent.id, by: .acting(as: admin))
        _ = try await instances.start(instance.id, by: .acting(as: admin))
        let qr = try await clock.waitFor("the QR code") { try await instances.linkCode(instance.id, by: .acting(as: admin)) }
        try network.scan(qrCode: qr.value, with: shopPhone.number)
        _ = try await clock.waitFor("a ready session") { await supervisor.readySession(for: instance.id) }

        // 4. The agent's API key, with a subset of the agent's permissions.
        let issued = try await keys.issue(name: "CRM", scopes: [.messagesSend, .messagesRead], by: .acting(as: agent))
        let (keyPrincipal, _) = try await keys.authenticate(issued.secret.reveal())
        #expect(keyPrincipal.permissions == [.messagesSend, .messagesRead])
        await expectWAError(.permissionDenied) {
            try await ContactService(environment: env).create(phone: customers[0].number, by: keyPrincipal)
        }

        // 5. The shop's customer list, imported from CSV: the 50 customers and 200 newsletter subscribers.
        var csv = "phone,name,tags\n"
        for (i, customer) in customers.enumerated() { csv += "\(customer.number.e164),Customer \(i),customer\n" }
        var audience: [SimulatedPhone] = []
        for i in 0..<200 {
            let phone = network.addPhone(try PhoneNumber("+49 172 \(2_000_000 + i)"), name: "Subscriber \(i)")
            audience.append(phone)
            csv += "\(phone.number.e164),Subscriber \(i),newsletter;de\n"
        }
        let imported = try await ContactService(environment: env).importCSV(csv, by: .acting(as: admin))
        #expect(imported.created == 250 && imported.errors.isEmpty && imported.committed)

        // 6. An automation: a customer asking for prices gets a templated reply.
        let template = try await TemplateService(environment: env).create(
            name: "prices", body: "Hi {{name}}, our prices are on acme.example/prices", by: .acting(as: admin))
        _ = try await AutomationService(environment: env).create(
            name: "prices", trigger: .keyword("price", wholeMessage: false),
            actions: [.replyWithTemplate(template.id), .tagContact("asked-price")], cooldownSeconds: 3600,
            by: .acting(as: admin))

        // 7. 50 messages through the API key, sent human-shaped in virtual time.
        var sent: [Message] = []
        for (i, customer) in customers.enumerated() {
            sent.append(
                try await messaging.send(
                    .text("Hello \(customer.name), order \(i) shipped", to: customer.number, from: instance.id,
                          idempotencyKey: "order-\(i)"),
                    by: keyPrincipal))
        }
        try await drain(dispatcher, env: env, org: org.id, clock: clock)
        #expect(customers.allSatisfy { $0.inbox.count == 1 })

        // 8. Every customer reads it: statuses reach `read`, in order.
        for customer in customers { customer.read(chat: shopPhone.number) }
        for message in sent {
            let read = try await clock.waitFor("message \(message.id) read") { () async throws -> Message? in
                let current = try await messaging.get(message.id, by: .acting(as: admin))
                return current.status == .read ? current : nil
            }
            let t = read.timestamps
            let times = [t.queuedAt, t.pendingAt, t.sentAt, t.deliveredAt, t.readAt].map { try! #require($0) }
            #expect(times == times.sorted(), "statuses advanced in order for \(read.id)")
        }

        // 9. Replies: one asks for prices and gets the automation's reply; the contact is tagged.
        _ = try customers[7].send(text: "What is the price?", to: shopPhone.number)
        _ = try customers[8].send(text: "Thanks!", to: shopPhone.number)
        let asker = customers[7]
        try await drainUntil(dispatcher, env: env, org: org.id, clock: clock) { asker.inbox.count == 2 }
        #expect(customers[7].inbox.last?.text == "Hi Customer 7, our prices are on acme.example/prices")
        #expect(customers[8].inbox.count == 1)
        let tagged = try await ContactService(environment: env).list(by: .acting(as: admin), where: .init(tag: "asked-price"))
        #expect(tagged.items.map(\.phone) == [customers[7].number])

        // 10. Media both ways: a customer sends a photo; the agent answers with an uploaded PDF.
        let photo = try MediaServiceTests.sample("sample.jpg")
        _ = try customers[9].send(
            .media(MediaPayload(kind: .image, mimeType: "image/jpeg", caption: "damaged box", bytes: photo)),
            to: shopPhone.number.jid)
        let received = try await clock.waitFor("the customer's photo") { () async throws -> Message? in
            try await messaging.list(by: .acting(as: agent), where: .init(direction: .inbound)).items.first { $0.kind == .image }
        }
        let media = MediaService(environment: env)
        #expect(try await media.bytes(of: try #require(received.media).mediaID, by: .acting(as: agent)).1 == photo)
        let pdf = try MediaServiceTests.sample("sample.pdf")
        let invoice = try await media.upload(
            pdf, declaredMIMEType: "application/pdf", fileName: "invoice 9.pdf", by: .acting(as: agent))
        _ = try await messaging.send(
            SendMessageRequest(
                instanceID: instance.id, recipient: .phone(customers[9].number),
                content: .media(invoice.id, kind: .document, caption: "Your invoice")),
            by: .acting(as: agent))
        let customer9 = customers[9]
        try await drainUntil(dispatcher, env: env, org: org.id, clock: clock) { customer9.inbox.count == 2 }
        guard case .media(let document)? = customer9.inbox.last?.content else {
            Issue.record("the invoice did not arrive as media")
            return
        }
        #expect(document.bytes == pdf && document.fileName == "invoice 9.pdf" && document.caption == "Your invoice")
        #expect(try await media.usage(by: .acting(as: admin)).usedBytes == Int64(photo.count + pdf.count))

        // 11. A campaign to 200 imported contacts. It shares the instance's tiers (20/min, 100/h, 1000/day) with
        //    everything sent before, so it takes hours of virtual time.
        let campaigns = CampaignService(environment: env, webhooks: webhooks)
        let waves = CampaignWaveWorker(service: campaigns)
        let newsletter = try await TemplateService(environment: env).create(
            name: "newsletter", body: "Hello {{first_name}}, the autumn collection is here.", by: .acting(as: admin))
        let campaign = try await campaigns.create(
            name: "Autumn", instance: instance.id, template: newsletter.id, audience: .tags(["newsletter"]),
            by: .acting(as: admin))
        let started = try await campaigns.start(campaign.id, by: .acting(as: admin))
        #expect(started.status == .running && started.progress.total == 200)
        try await runCampaign(campaign.id, campaigns: campaigns, waves: waves, dispatcher: dispatcher, env: env,
                              org: org.id, admin: admin, clock: clock)
        let finished = try await campaigns.get(campaign.id, by: .acting(as: admin))
        #expect(finished.status == .completed && finished.progress.sent == 200 && finished.progress.failed == 0)
        #expect(audience.allSatisfy { $0.inbox.count == 1 })
        #expect(audience[3].inbox.first?.text == "Hello Subscriber, the autumn collection is here.")
        // The minute tier held over everything the instance sent: 50 messages, the automation's reply, the invoice,
        // the campaign.
        let sendTimes = try await env.store.transaction(.organization(org.id)) { tx in
            try await tx.messages.list(in: org.id, where: .init(direction: .outbound), page: .all).items
        }.compactMap(\.timestamps.sentAt).sorted()
        #expect(sendTimes.count == 252)
        #expect(CampaignHarness.busiestMinute(sendTimes) <= 20)
        // The hour cap held too, and virtual time stayed honest: the first 30 went out human-paced within minutes;
        // then the risk monitor throttled the instance (30 messages without a reply, a rate spike), and the
        // throttled hour cap held the rest back until the hour had passed; everything went out within two days.
        #expect(CampaignHarness.busiestWindow(sendTimes, seconds: 3_600) <= 100)
        #expect(sendTimes[29].timeIntervalSince(sendTimes[0]) < 5 * 60)
        #expect(sendTimes[251].timeIntervalSince(sendTimes[0]) < 2 * 86_400)

        // 11. Webhooks: every event is delivered, signed with the endpoint's secret.
        while try await deliveries.runOnce(worker: "w", limit: 50) > 0 {}
        let requests = sender.requests
        let verifier = StandardWebhookVerifier(secret: endpoint.secret)
        for request in requests {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name] = field.value }
            try verifier.verify(payload: request.body, headers: headers, now: clock.now())
        }
        let types = Set(requests.compactMap { request -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return nil }
            return object["type"] as? String
        })
        for expected in [
            "instance.qr", "instance.ready", "message.sent", "message.status_changed", "message.received",
            "campaign.progress", "campaign.completed",
        ] {
            #expect(types.contains(expected), "a \(expected) webhook was delivered")
        }
        // Each of the 50 messages reported delivered, then read, as separate events in that order.
        var statusEvents: [String: [String]] = [:]
        for request in requests {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                object["type"] as? String == "message.status_changed", let data = object["data"] as? [String: Any],
                let id = data["id"] as? String, let status = data["status"] as? String
            else { continue }
            statusEvents[id, default: []].append(status)
        }
        for message in sent {
            #expect(statusEvents[message.id.description] == ["delivered", "read"], "status events of \(message.id)")
        }
        let allDeliveries = try await everyPage { page in
            try await env.store.transaction(.organization(org.id)) { try await $0.deliveries.list(in: org.id, page: page) }
        }
        #expect(allDeliveries.count == requests.count && allDeliveries.allSatisfy { $0.status == .succeeded })

        // 12. The audit trail: every kind of change made above, and nothing else.
        let actions = try await env.store.transaction(.organization(org.id)) { tx in
            try await tx.auditEvents.list(in: org.id, page: .all).items.map(\.action)
        }
        let expectedActions: Set<String> = [
            "organization.created", "member.invited", "member.joined", "webhook_endpoint.created", "instance.created",
            "member.instances_assigned", "instance.started", "instance.linked", "api_key.created", "template.created",
            "automation.created", "automation.fired", "media.uploaded", "contacts.imported", "message.queued",
            "campaign.created", "campaign.started", "campaign.completed",
        ]
        #expect(expectedActions.subtracting(actions).isEmpty, "missing: \(expectedActions.subtracting(actions).sorted())")
        // The risk monitor may have raised alerts along the way (and audited them); nothing else happened.
        #expect(Set(actions).subtracting(expectedActions).subtracting(["risk.alert_raised"]).isEmpty)
        #expect(actions.filter { $0 == "message.queued" }.count == 252)
        await supervisor.stopAll()
    }

    /// Runs the campaign's waves and the dispatcher until the campaign is over, jumping the clock to the next due
    /// job (or expiring lease) whenever nothing is due.
    private func runCampaign(
        _ campaign: CampaignID, campaigns: CampaignService, waves: CampaignWaveWorker, dispatcher: MessageDispatcher,
        env: ServiceEnvironment, org: OrganizationID, admin: Member, clock: TestClock
    ) async throws {
        let deadline = clock.now().addingTimeInterval(7 * 86_400)
        try await clock.run {
            while clock.now() < deadline {
                if [.completed, .cancelled, .failed].contains(try await campaigns.get(campaign, by: .acting(as: admin)).status) {
                    return
                }
                let sent = try await dispatcher.runOnce(worker: "w", limit: 20)
                let waved = try await waves.runOnce(worker: "w")
                if sent + waved > 0 { continue }
                var next: Date?
                for queue in [MessagingService.sendQueue, CampaignService.waveQueue, CampaignService.finishQueue] {
                    let jobs = try await env.store.transaction(.organization(org)) { tx in
                        try await tx.jobs.list(in: org, where: .init(queue: queue), page: .all).items
                    }
                    for job in jobs {
                        let due: Date? =
                            switch job.state {
                            case .available: job.scheduledAt
                            case .running: job.lockedUntil
                            default: nil
                            }
                        if let due { next = min(next ?? due, due) }
                    }
                }
                guard let next else {
                    // No job is left, so the finish job has run: the campaign is over.
                    try await clock.waitUntil("the campaign to be over") {
                        [.completed, .cancelled, .failed].contains(try await campaigns.get(campaign, by: .acting(as: admin)).status)
                    }
                    return
                }
                guard next > clock.now() else {
                    Issue.record("a due job was not claimed at \(clock.now())")
                    return
                }
                clock.set(next)
            }
            Issue.record("the campaign did not finish within a week of virtual time")
        }
    }

    /// Runs the dispatcher until no send job is waiting, jumping the clock to the next scheduled job.
    private func drain(_ dispatcher: MessageDispatcher, env: ServiceEnvironment, org: OrganizationID, clock: TestClock)
        async throws
    {
        try await drainUntil(dispatcher, env: env, org: org, clock: clock, waitForDone: false) { false }
    }

    /// Runs the dispatcher until `done` holds (or, without `waitForDone`, until no send job is waiting), jumping
    /// the clock to the next scheduled job when nothing is due.
    private func drainUntil(
        _ dispatcher: MessageDispatcher, env: ServiceEnvironment, org: OrganizationID, clock: TestClock,
        waitForDone: Bool = true, _ done: @escaping @Sendable () -> Bool
    ) async throws {
        try await clock.run {
            for _ in 0..<10_000 {
                if done() { return }
                if try await dispatcher.runOnce(worker: "w", limit: 20) > 0 { continue }
                let waiting = try await env.store.transaction(.organization(org)) {
                    try await $0.jobs.list(
                        in: org, where: .init(queue: MessagingService.sendQueue, state: .available), page: .all
                    ).items
                }
                guard let next = waiting.map(\.scheduledAt).min() else {
                    if done() || !waitForDone { return }
                    // Inbound processing (on the session's event pump) may still queue a reply.
                    try await clock.waitUntil("a reply to be queued") {
                        if done() { return true }
                        let queued = try await env.store.transaction(.organization(org)) {
                            try await $0.jobs.list(
                                in: org, where: .init(queue: MessagingService.sendQueue, state: .available), page: .all
                            ).items
                        }
                        return !queued.isEmpty
                    }
                    continue
                }
                if next > clock.now() { clock.set(next) }
            }
        }
    }
}
