import Foundation
import Testing
import WACore
import WACoreTesting
import WAPostgres
import WAPostgresTesting

/// The product end to end on the simulated WhatsApp network, in virtual time, on each store: an organization and its
/// team, an API key with a subset of scopes, a linked instance, 50 messages whose statuses reach `read` in order,
/// replies that trigger an automation, media both ways, a 200-recipient campaign held to the 20-a-minute tier,
/// signed webhook deliveries for every event, and the audit trail of all of it.
@Suite("Product walkthrough")
struct ProductWalkthroughTests {
    @Test func onTheMemoryStore() async throws {
        let clock = TestClock()
        try await Self.walkthrough(ServiceEnvironment.testing(clock: clock), clock: clock)
    }

    @Test func onPostgreSQL() async throws {
        try await PostgresTestDatabase.withFreshDatabase { client, _ in
            try await PostgresTestDatabase.migrate(client)
            let store = PostgresStore(client: client, logger: PostgresTestDatabase.logger)
            // A database round trip takes a while: the clock moves only once no transaction has been open for
            // 5 ms of real time.
            let clock = TestClock(quietPeriod: .milliseconds(5))
            let environment = ServiceEnvironment.testing(
                store: store, media: store.media, activity: { store.runner.activityCount }, clock: clock)
            try await Self.walkthrough(environment, clock: clock)
        }
    }

    static func walkthrough(_ env: ServiceEnvironment, clock: TestClock) async throws {
        // The world: a clock, the services, a simulated WhatsApp network with a shop phone and 50 customers. The
        // network has WhatsApp Web's manners: messages take about a second, a session takes 8 s to start, the page
        // reloads every half hour and reports its latest messages again, and a repeated send is not always
        // recognised.
        let network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 21), configuration: .browserLike)
        let shopPhone = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
        var customers: [SimulatedPhone] = []
        for i in 0..<50 {
            customers.append(network.addPhone(try PhoneNumber("+49 171 \(1_000_000 + i)"), name: "Customer \(i)"))
        }
        // The whole gateway, as `wa-gateway` wires it: every service and worker, webhooks connected.
        // Tests fast-forward the clock by minutes at a time; a long lease keeps the supervisor's renewals ahead.
        let sender = RecordingWebhookSender()
        let gateway = Gateway(
            environment: env, transport: network, webhookSender: sender,
            configuration: .init(
                nodeID: "node-a", supervisor: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600))))
        let (team, keys, instances, messaging) = (gateway.team, gateway.apiKeys, gateway.instances, gateway.messaging)
        let webhooks = gateway.webhooks

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
        try await gateway.link(instance.id, with: shopPhone, by: .acting(as: admin))

        // 4. The agent's API key, with a subset of the agent's permissions.
        let issued = try await keys.issue(name: "CRM", scopes: [.messagesSend, .messagesRead], by: .acting(as: agent))
        let (keyPrincipal, _) = try await keys.authenticate(issued.secret.reveal())
        #expect(keyPrincipal.permissions == [.messagesSend, .messagesRead])
        let refused = await #expect(throws: WAError.self) {
            try await gateway.contacts.create(phone: customers[0].number, by: keyPrincipal)
        }
        #expect(refused?.code == .permissionDenied)

        // 5. The shop's customer list, imported from CSV: the 50 customers and 200 newsletter subscribers.
        var csv = "phone,name,tags\n"
        for (i, customer) in customers.enumerated() { csv += "\(customer.number.e164),Customer \(i),customer\n" }
        var audience: [SimulatedPhone] = []
        for i in 0..<200 {
            let phone = network.addPhone(try PhoneNumber("+49 172 \(2_000_000 + i)"), name: "Subscriber \(i)")
            audience.append(phone)
            csv += "\(phone.number.e164),Subscriber \(i),newsletter;de\n"
        }
        let imported = try await gateway.contacts.importCSV(csv, by: .acting(as: admin))
        #expect(imported.created == 250 && imported.errors.isEmpty && imported.committed)

        // 6. An automation: a customer asking for prices gets a templated reply.
        let template = try await gateway.templates.create(
            name: "prices", body: "Hi {{name}}, our prices are on acme.example/prices", by: .acting(as: admin))
        _ = try await gateway.automations.create(
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
        try await gateway.runUntilIdle(timeout: .seconds(600))
        #expect(customers.allSatisfy { $0.inbox.count == 1 })

        // 8. Every customer reads it: statuses reach `read`, in order.
        for customer in customers { customer.read(chat: shopPhone.number) }
        try await gateway.runUntilIdle(timeout: .seconds(600))
        for message in sent {
            let read = try await messaging.get(message.id, by: .acting(as: admin))
            #expect(read.status == .read, "message \(message.id) was read")
            let t = read.timestamps
            let times = [t.queuedAt, t.pendingAt, t.sentAt, t.deliveredAt, t.readAt].map { try! #require($0) }
            #expect(times == times.sorted(), "statuses advanced in order for \(read.id)")
        }

        // 9. Replies: one asks for prices and gets the automation's reply; the contact is tagged.
        _ = try customers[7].send(text: "What is the price?", to: shopPhone.number)
        _ = try customers[8].send(text: "Thanks!", to: shopPhone.number)
        try await gateway.runUntilIdle(timeout: .seconds(600))
        #expect(customers[7].inbox.last?.body == "Hi Customer 7, our prices are on acme.example/prices")
        #expect(customers[8].inbox.count == 1)
        let tagged = try await gateway.contacts.list(by: .acting(as: admin), where: .init(tag: "asked-price"))
        #expect(tagged.items.map(\.phone) == [customers[7].number])

        // 10. Media both ways: a customer sends a photo; the agent answers with an uploaded PDF.
        let photo = try Samples.media("sample.jpg")
        _ = try customers[9].send(
            .media(MediaPayload(kind: .image, mimeType: "image/jpeg", caption: "damaged box", bytes: photo)),
            to: shopPhone.number.jid)
        try await gateway.runUntilIdle(timeout: .seconds(600))
        let received = try #require(
            try await messaging.list(by: .acting(as: agent), where: .init(direction: .inbound)).items.first { $0.kind == .image })
        let media = gateway.media
        #expect(try await media.bytes(of: try #require(received.media).mediaID, by: .acting(as: agent)).1 == photo)
        let pdf = try Samples.media("sample.pdf")
        let invoice = try await media.upload(
            pdf, declaredMIMEType: "application/pdf", fileName: "invoice 9.pdf", by: .acting(as: agent))
        _ = try await messaging.send(
            SendMessageRequest(
                instanceID: instance.id, recipient: .phone(customers[9].number),
                content: .media(invoice.id, kind: .document, caption: "Your invoice")),
            by: .acting(as: agent))
        let customer9 = customers[9]
        try await gateway.runUntilIdle(timeout: .seconds(600))
        #expect(customer9.inbox.count == 2)
        guard case .media(let document)? = customer9.inbox.last?.content else {
            Issue.record("the invoice did not arrive as media")
            return
        }
        #expect(document.bytes == pdf && document.fileName == "invoice 9.pdf" && document.caption == "Your invoice")
        #expect(try await media.usage(by: .acting(as: admin)).usedBytes == Int64(photo.count + pdf.count))

        // 10b. A group of customer 9, two others and the shop: a question there names its author, and the agent's
        //      answer to the group reaches every member.
        let group = try network.createGroup(
            "Order 9", owner: customer9.number, members: [shopPhone.number, customers[10].number, customers[11].number])
        _ = try customers[10].send(.text("Any news on order 9?"), to: group)
        try await gateway.runUntilIdle(timeout: .seconds(600))
        let question = try #require(
            try await messaging.list(by: .acting(as: agent), where: .init(direction: .inbound)).items.first { $0.chatJID == group })
        #expect(question.author == customers[10].jid && question.body == "Any news on order 9?")
        #expect(try await gateway.groups.list(on: instance.id, by: .acting(as: agent)).map(\.subject) == ["Order 9"])
        _ = try await messaging.send(
            SendMessageRequest(instanceID: instance.id, recipient: .jid(group), content: .text("A new box ships today")),
            by: .acting(as: agent))
        try await gateway.runUntilIdle(timeout: .seconds(600))
        for member in [customer9, customers[10], customers[11]] {
            #expect(member.inbox.last?.body == "A new box ships today" && member.inbox.last?.chat == group)
        }

        // 11. A campaign to 200 imported contacts. It shares the instance's tiers (20/min, 100/h, 1000/day) with
        //    everything sent before, so it takes hours of virtual time.
        let campaigns = gateway.campaigns
        let newsletter = try await gateway.templates.create(
            name: "newsletter", body: "Hello {{first_name}}, the autumn collection is here.", by: .acting(as: admin))
        let campaign = try await campaigns.create(
            name: "Autumn", instance: instance.id, template: newsletter.id, audience: .tags(["newsletter"]),
            by: .acting(as: admin))
        let started = try await campaigns.start(campaign.id, by: .acting(as: admin))
        #expect(started.status == .running && started.progress.total == 200)
        // 200 paced sends with their receipts take about a minute of real time on the memory store, several on
        // PostgreSQL, and more on a loaded machine: the timeouts only catch a hang.
        try await gateway.runUntilIdle(timeout: .seconds(1_800))
        let finished = try await campaigns.get(campaign.id, by: .acting(as: admin))
        #expect(finished.status == .completed && finished.progress.sent == 200 && finished.progress.failed == 0)
        #expect(audience.allSatisfy { $0.inbox.count == 1 })
        #expect(audience[3].inbox.first?.body == "Hello Subscriber, the autumn collection is here.")
        // The minute tier held over everything the instance sent: 50 messages, the automation's reply, the invoice,
        // the group answer, the campaign.
        let sendTimes = try await env.store.transaction(.organization(org.id)) { tx in
            try await tx.messages.list(in: org.id, where: .init(direction: .outbound), page: .all).items
        }.compactMap(\.timestamps.sentAt).sorted()
        #expect(sendTimes.count == 253)
        #expect(busiest(sendTimes, seconds: 60) <= 20)
        // The hour cap held too, and virtual time stayed honest: the first 30 went out human-paced within minutes;
        // then the risk monitor throttled the instance (30 messages without a reply, a rate spike), and the
        // throttled hour cap held the rest back until the hour had passed; everything went out within two days.
        #expect(busiest(sendTimes, seconds: 3_600) <= 100)
        #expect(sendTimes[29].timeIntervalSince(sendTimes[0]) < 5 * 60)
        #expect(sendTimes[252].timeIntervalSince(sendTimes[0]) < 2 * 86_400)

        // 12. Webhooks: every event was delivered along the way, signed with the endpoint's secret.
        let requests = sender.requests
        let verifier = StandardWebhookVerifier(secret: endpoint.secret)
        for request in requests {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name] = field.value }
            // Received as it was sent, along the way: the receiver's clock read the request's own timestamp.
            let sentAt = Date(timeIntervalSince1970: try #require(TimeInterval(headers["webhook-timestamp"] ?? "")))
            try verifier.verify(payload: request.body, headers: headers, now: sentAt)
        }
        let types = Set(requests.compactMap { request -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return nil }
            return object["type"] as? String
        })
        for expected in [
            "instance.qr", "instance.ready", "message.queued", "message.sent", "message.status_changed", "message.received",
            "campaign.progress", "campaign.completed",
        ] {
            #expect(types.contains(expected), "a \(expected) webhook was delivered")
        }
        // The page reloaded every half hour of those two days and reported its latest messages again: each of the four
        // received messages (two replies, the photo, the group question) was stored and announced once.
        let receivedEvents = requests.filter { request in
            (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["type"] as? String
                == "message.received"
        }
        #expect(receivedEvents.count == 4)
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

        // 13. The audit trail: every kind of change made above, and nothing else.
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
        #expect(actions.filter { $0 == "message.queued" }.count == 253)
        await gateway.supervisor.stopAll()
    }

    /// The most of the sorted `times` in any window of `seconds`, wherever it starts.
    static func busiest(_ times: [Date], seconds: Double) -> Int {
        var best = 0
        for (index, start) in times.enumerated() {
            best = max(best, times[index...].prefix { $0 < start.addingTimeInterval(seconds) }.count)
        }
        return best
    }
}

/// The sample files of WACore's tests (`Tests/WACoreTests/Fixtures/Media`), found from this source file's path.
enum Samples {
    static func media(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WACoreTests/Fixtures/Media/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }
}
