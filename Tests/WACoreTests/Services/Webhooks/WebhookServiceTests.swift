import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Webhook service")
struct WebhookServiceTests {
    let bed = WebhookTestbed()
    var service: WebhookService { bed.service }

    // MARK: Endpoints and secrets

    @Test func createReturnsTheSecretOnceAndNeverAgain() async throws {
        let t = try await bed.tenant()
        let created = try await service.create(
            url: "HTTPS://Hooks.Example.com:443/wa?token=t1", eventFilters: ["message.*", "instance.ready"],
            label: "  CRM  ", by: t.manager)
        #expect(created.secret.text.hasPrefix("whsec_") && created.secret.bytes.count == 32)
        #expect(created.endpoint.url == "https://hooks.example.com/wa?token=t1")
        #expect(created.endpoint.label == "CRM" && created.endpoint.eventFilters == ["message.*", "instance.ready"])
        #expect(created.endpoint.isEnabled && created.endpoint.signatureMode == .standardWebhooks)

        // The store keeps it sealed, and it opens to the same secret.
        let stored = try await bed.storedEndpoint(created.endpoint.id, in: t.org)
        #expect(stored.sealedSecrets.count == 1)
        let sealedText = String(decoding: stored.sealedSecrets[0], as: UTF8.self)
        #expect(!sealedText.contains(created.secret.text))

        // Nothing the service hands out afterwards carries the secret.
        let listed = try await service.endpoints(by: t.manager).items
        let fetched = try await service.endpoint(created.endpoint.id, by: t.manager)
        #expect(listed.map(\.id) == [created.endpoint.id])
        for endpoint in listed + [fetched, created.endpoint] {
            #expect(endpoint.sealedSecrets.isEmpty)
            try expectNoSecret(created.secret, in: endpoint)
        }
        #expect(!String(describing: created.secret).contains(created.secret.text))
        let audit = try await bed.auditEvents(t.org, action: "webhook_endpoint.")
        #expect(audit.map(\.action) == ["webhook_endpoint.created"])
        #expect(audit[0].metadata["host"] == "hooks.example.com")
        #expect(!audit.contains { $0.metadata.values.contains { $0.contains("whsec_") || $0.contains("t1") } })
    }

    /// Issue #9, item 7: a URL's query (and any user-info) may carry a token; descriptions, reflection and the
    /// HTTP request's description show the endpoint's URL without them.
    @Test func descriptionsRedactTheURLsQueryAndUserInfo() async throws {
        let t = try await bed.tenant()
        let created = try await service.create(url: "https://hooks.example.com/wa/in?token=s3cr3t-q&x=1", by: t.admin)
        let endpoint = created.endpoint
        #expect(endpoint.url == "https://hooks.example.com/wa/in?token=s3cr3t-q&x=1")  // the stored value is whole
        var dumped = ""
        dump(endpoint, to: &dumped)
        for text in [String(describing: endpoint), String(reflecting: endpoint), dumped] {
            #expect(!text.contains("s3cr3t-q") && !text.contains("x=1"), "\(text)")
            #expect(text.contains("https://hooks.example.com/wa/in"), "\(text)")
        }
        // A stored URL that never passed the policy (written by hand) is redacted all the same.
        var handWritten = endpoint
        handWritten.url = "https://user:pa55@hooks.example.com:8443/x?token=abc#frag"
        #expect(String(describing: handWritten).contains("https://hooks.example.com:8443/x?…"))
        #expect(!String(describing: handWritten).contains("pa55") && !String(describing: handWritten).contains("abc"))
        let request = WebhookHTTPRequest(
            url: endpoint.url, headers: [], body: [], timeout: .seconds(5), targetPolicy: .permissive,
            deliveryID: bed.env.ids.make(), endpointID: endpoint.id, attempt: 1)
        var dumpedRequest = ""
        dump(request, to: &dumpedRequest)
        for text in [String(describing: request), String(reflecting: request), dumpedRequest] {
            #expect(!text.contains("s3cr3t-q"), "\(text)")
        }
    }

    @Test func createValidatesBeforeWritingAnything() async throws {
        let t = try await bed.tenant()
        let cases: [(String, [String], String?, WAError.Code, String?)] = [
            ("http://hooks.example.com/", [], nil, .invalidWebhookURL, "url"),
            ("https://user:pw@hooks.example.com/", [], nil, .invalidWebhookURL, "url"),
            ("https://169.254.169.254/", [], nil, .webhookTargetForbidden, "url"),
            ("https://localhost/", [], nil, .webhookTargetForbidden, "url"),
            ("https://hooks.example.com/", ["message.*", "Message.Received"], nil, .invalidEventFilter, "eventFilters[1]"),
            ("https://hooks.example.com/", [], String(repeating: "x", count: 101), .invalidArgument, "label"),
            ("https://hooks.example.com/", [], "two\nlines", .invalidArgument, "label"),
        ]
        for (url, filters, label, code, field) in cases {
            let error = await expectWAError(code) {
                try await service.create(url: url, eventFilters: filters, label: label, by: t.admin)
            }
            #expect(error?.field == field, "\(url) \(filters)")
        }
        #expect(try await service.endpoints(by: t.admin).items.isEmpty)
        #expect(try await bed.auditEvents(t.org, action: "webhook_endpoint.").isEmpty)
    }

    @Test func thePlanLimitsEndpoints() async throws {
        let t = try await bed.tenant(plan: .starter)
        let first = try await service.create(url: "https://a.example.com/", by: t.admin)
        _ = try await service.create(url: "https://b.example.com/", by: t.admin)
        await expectWAError(.planLimitReached) {
            try await service.create(url: "https://c.example.com/", by: t.admin)
        }
        // Disabled endpoints count too; deleting one makes room.
        _ = try await service.update(first.endpoint.id, isEnabled: false, by: t.admin)
        await expectWAError(.planLimitReached) { try await service.create(url: "https://c.example.com/", by: t.admin) }
        try await service.delete(first.endpoint.id, by: t.admin)
        _ = try await service.create(url: "https://c.example.com/", by: t.admin)
        #expect(try await service.endpoints(by: t.admin).items.count == 2)
    }

    @Test func updateChangesOnlyWhatIsGivenAndAuditsIt() async throws {
        let t = try await bed.tenant()
        let created = try await service.create(url: "https://a.example.com/", label: "A", by: t.manager)
        let id = created.endpoint.id
        bed.clock.advance(by: .seconds(10))

        let changed = try await service.update(
            id, url: "https://B.example.com/new", eventFilters: ["campaign.*", "campaign.*"],
            signatureMode: .standardWebhooksAndHubSignature, by: t.manager)
        #expect(changed.url == "https://b.example.com/new" && changed.label == "A")
        #expect(changed.eventFilters == ["campaign.*"] && changed.signatureMode == .standardWebhooksAndHubSignature)
        #expect(changed.updatedAt == bed.clock.now() && changed.sealedSecrets.isEmpty)
        #expect(try await bed.storedEndpoint(id, in: t.org).sealedSecrets.count == 1)

        let cleared = try await service.update(id, label: .some(nil), by: t.manager)
        #expect(cleared.label == nil)
        let unchanged = try await service.update(id, url: "https://b.example.com/new", by: t.manager)
        #expect(unchanged.version == cleared.version)

        let disabled = try await service.update(id, isEnabled: false, by: t.manager)
        #expect(!disabled.isEnabled && disabled.disabledReason == "disabled by user")
        let enabled = try await service.update(id, isEnabled: true, by: t.manager)
        #expect(enabled.isEnabled && enabled.disabledReason == nil)

        await expectWAError(.webhookTargetForbidden) {
            try await service.update(id, url: "https://10.0.0.1/", by: t.manager)
        }

        let audit = try await bed.auditEvents(t.org, action: "webhook_endpoint.")
        #expect(audit.map(\.action) == [
            "webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.updated",
            "webhook_endpoint.disabled", "webhook_endpoint.enabled",
        ])
        #expect(audit[1].metadata["changed"] == "url event_filters signature_mode")
        #expect(audit[1].metadata["host"] == "b.example.com")
        #expect(audit[2].metadata["changed"] == "label")
        #expect(audit.allSatisfy { $0.resourceID == id.description && $0.actor == t.manager.auditActor })
    }

    @Test func deleteRemovesTheEndpointAndKeepsDeliveryHistory() async throws {
        let t = try await bed.tenant()
        let created = try await service.create(url: "https://a.example.com/", by: t.admin)
        let (_, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        try await service.delete(created.endpoint.id, by: t.admin)
        await expectWAError(.notFound) { try await service.endpoint(created.endpoint.id, by: t.admin) }
        #expect(try await service.deliveries(by: t.admin).items.map(\.id) == deliveries.map(\.id))
        #expect(try await bed.auditActions(t.org).last == "webhook_endpoint.deleted")

        // Its pending delivery is given up by the worker without a request.
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        #expect(bed.sender.requests.isEmpty)
        #expect(try await bed.storedDelivery(deliveries[0].id, in: t.org).status == .failed)
        #expect(try await bed.jobs(t.org).first?.lastError == "endpoint disabled")
    }

    @Test func rotationReturnsTheNewSecretOnceAndKeepsThePreviousForTheWindow() async throws {
        let t = try await bed.tenant()
        let created = try await service.create(url: "https://a.example.com/", by: t.admin)
        let rotated = try await service.rotateSecret(created.endpoint.id, by: t.admin)
        #expect(rotated.secret != created.secret)
        #expect(rotated.previousSecretRetiresAt == bed.clock.now().addingTimeInterval(86_400))
        #expect(rotated.endpoint.sealedSecrets.isEmpty)
        try expectNoSecret(rotated.secret, in: rotated.endpoint)
        try expectNoSecret(rotated.secret, in: try await service.endpoint(created.endpoint.id, by: t.admin))
        #expect(try await bed.storedEndpoint(created.endpoint.id, in: t.org).sealedSecrets.count == 2)

        // A second rotation keeps two: the newest and the one it replaced.
        let again = try await service.rotateSecret(created.endpoint.id, by: t.admin)
        #expect(try await bed.storedEndpoint(created.endpoint.id, in: t.org).sealedSecrets.count == 2)
        _ = again

        _ = try await service.finishRotation(created.endpoint.id, by: t.admin)
        #expect(try await bed.storedEndpoint(created.endpoint.id, in: t.org).sealedSecrets.count == 1)
        // Finishing again changes nothing and is not audited twice.
        _ = try await service.finishRotation(created.endpoint.id, by: t.admin)
        let audit = try await bed.auditActions(t.org).filter { $0.hasPrefix("webhook_endpoint.") }
        #expect(audit == [
            "webhook_endpoint.created", "webhook_endpoint.secret_rotated", "webhook_endpoint.secret_rotated",
            "webhook_endpoint.rotation_finished",
        ])
    }

    // MARK: Publishing

    @Test func publishCreatesOneDeliveryPerMatchingEnabledEndpoint() async throws {
        let t = try await bed.tenant()
        let all = try await service.create(url: "https://all.example.com/", by: t.admin).endpoint
        let messages = try await service.create(
            url: "https://messages.example.com/", eventFilters: ["message.*"], by: t.admin).endpoint
        _ = try await service.create(url: "https://instances.example.com/", eventFilters: ["instance.*"], by: t.admin)
        let disabled = try await service.create(url: "https://off.example.com/", by: t.admin).endpoint
        _ = try await service.update(disabled.id, isEnabled: false, by: t.admin)
        let other = try await bed.tenant(slug: "other")
        _ = try await service.create(url: "https://other.example.com/", by: other.admin)

        let (event, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        #expect(Set(deliveries.map(\.endpointID)) == [all.id, messages.id])
        #expect(deliveries.allSatisfy {
            $0.eventID == event.id.description && $0.payload == event.encoded() && $0.status == .pending
                && $0.eventType == "message.received" && $0.attempts.isEmpty
        })
        let jobs = try await bed.jobs(t.org)
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .available && $0.scheduledAt == bed.clock.now() })
        #expect(Set(jobs.compactMap(\.uniqueKey)) == Set(deliveries.map { "\($0.endpointID)/\($0.eventID)" }))

        // Publishing the same event again adds nothing.
        _ = try await bed.env.store.transaction(.organization(t.org)) { try await service.publish(event, in: $0) }
        try await bed.runFanOut()
        #expect(Set(try await bed.deliveries(of: event, in: t.org).map(\.id)) == Set(deliveries.map(\.id)))
        #expect(try await bed.jobs(t.org).count == 2)
        #expect(try await bed.jobs(other.org).isEmpty)

        // Inside a transaction that fails, nothing is published.
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await bed.env.store.transaction(.organization(t.org)) { tx in
                _ = try await service.publish(
                    WebhookEvent(type: .messageSent, organizationID: t.org, ids: bed.env.ids), in: tx)
                throw Boom()
            }
        }
        #expect(try await bed.deliveries(t.org).count == 2)
    }

    @Test func deliveriesListFiltersAndPages() async throws {
        let t = try await bed.tenant()
        let a = try await service.create(url: "https://a.example.com/", by: t.admin).endpoint
        _ = try await service.create(url: "https://b.example.com/", by: t.admin)
        for _ in 0..<3 { try await bed.publish(.messageReceived, in: t.org) }
        #expect(try await service.deliveries(by: t.manager).items.count == 6)
        let onlyA = try await service.deliveries(by: t.manager, endpoint: a.id)
        #expect(onlyA.items.count == 3 && onlyA.items.allSatisfy { $0.endpointID == a.id })
        let first = try await service.deliveries(by: t.manager, page: try PageRequest(limit: 4))
        let cursor: Cursor = try #require(first.nextCursor)
        let second = try await service.deliveries(by: t.manager, page: try PageRequest(limit: 4, cursor: cursor))
        #expect(first.items.count == 4 && second.items.count == 2 && second.nextCursor == nil)
        #expect(Set(first.items.map(\.id)).isDisjoint(with: second.items.map(\.id)))
        #expect(try await service.deliveries(by: t.manager, status: .failed).items.isEmpty)
        let one = try await service.delivery(onlyA.items[0].id, by: t.manager)
        #expect(one == onlyA.items[0])
    }

    // MARK: Access

    enum Operation: String, CaseIterable, Sendable {
        case create, list, get, update, delete, rotate, finishRotation, test, deliveries, delivery, replay
        var needsManage: Bool { ![.list, .get, .deliveries, .delivery].contains(self) }
    }

    @Test(arguments: Operation.allCases)
    func viewersAndAgentsCannotTouchWebhooks(_ operation: Operation) async throws {
        let t = try await bed.tenant()
        let fixture = try await failedDelivery(in: t)
        for principal in [t.viewer, t.agent] {
            await expectWAError(.permissionDenied, "\(operation) by \(principal.role)") {
                try await perform(operation, fixture, by: principal)
            }
        }
        // A manager's API key without the webhook scopes cannot either; with webhooks:read it can only read.
        let managerID = try #require(t.manager.memberID)
        let manager = try await bed.env.store.transaction(.organization(t.org)) {
            try await $0.members.get(managerID, in: t.org)
        }
        let keys = APIKeyService(environment: bed.env)
        let readKey = try await keys.issue(name: "read", scopes: [.webhooksRead, .messagesRead], by: .acting(as: manager))
        let keyPrincipal = try await keys.authenticate(readKey.secret.reveal()).principal
        if operation.needsManage {
            await expectWAError(.permissionDenied) { try await perform(operation, fixture, by: keyPrincipal) }
        } else {
            try await expectPerformed(operation, fixture, by: keyPrincipal, in: t.org)
        }
    }

    @Test(arguments: Operation.allCases.filter { ![.create, .list, .deliveries].contains($0) })
    func anotherOrganizationsWebhooksAreNotFound(_ operation: Operation) async throws {
        let t = try await bed.tenant()
        let fixture = try await failedDelivery(in: t)
        let other = try await bed.tenant(slug: "rival")
        await expectWAError(.notFound, "\(operation)") { try await perform(operation, fixture, by: other.admin) }
        // And their lists do not show it.
        #expect(try await service.endpoints(by: other.admin).items.isEmpty)
        #expect(try await service.deliveries(by: other.admin).items.isEmpty)
    }

    @Test(arguments: Operation.allCases)
    func managersAndAdminsMayDoEverything(_ operation: Operation) async throws {
        let t = try await bed.tenant()
        for principal in [t.manager, t.admin] {
            let fixture = try await failedDelivery(in: t, url: "https://\(principal.role.rawValue).example.com/")
            try await expectPerformed(operation, fixture, by: principal, in: t.org)
        }
    }

    @Test func aReplayGivenUpWithoutAnAttemptCanBeReplayedAgain() async throws {
        let t = try await bed.tenant()
        let fixture = try await failedDelivery(in: t)
        let attemptsBefore = try await bed.storedDelivery(fixture.delivery, in: t.org).attempts.count
        // Replayed, then the endpoint is disabled before a worker comes: the replay is given up, no attempt made.
        _ = try await service.replay(fixture.delivery, by: t.admin)
        _ = try await service.update(fixture.endpoint, isEnabled: false, by: t.admin)
        while try await bed.worker.runOnce(worker: "w") > 0 {}
        let givenUp = try await bed.storedDelivery(fixture.delivery, in: t.org)
        #expect(givenUp.state == .failed(reason: .endpointDisabled, attempts: 0))
        #expect(givenUp.attempts.count == attemptsBefore)
        // Enabled again and replayed again: this replay has a job of its own and is sent.
        _ = try await service.update(fixture.endpoint, isEnabled: true, by: t.admin)
        _ = try await service.replay(fixture.delivery, by: t.admin)
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        let delivered = try await bed.storedDelivery(fixture.delivery, in: t.org)
        #expect(delivered.state == .succeeded(attempts: 1) && delivered.attempts.count == attemptsBefore + 1)
    }

    @Test func replayRulesAndAudit() async throws {
        let t = try await bed.tenant()
        let fixture = try await failedDelivery(in: t)
        let replayed = try await service.replay(fixture.delivery, by: t.manager)
        #expect(replayed.status == .pending && replayed.attempts.count == 1)
        await expectWAError(.deliveryNotReplayable) { try await service.replay(fixture.delivery, by: t.manager) }
        let audit = try await bed.auditEvents(t.org, action: "webhook_delivery.replayed")
        #expect(audit.count == 1 && audit[0].resourceID == fixture.delivery.description)
        #expect(audit[0].metadata["event_id"] == replayed.eventID)

        // A delivery of a disabled endpoint is not replayed until the endpoint is enabled.
        let second = try await failedDelivery(in: t, url: "https://second.example.com/")
        _ = try await service.update(second.endpoint, isEnabled: false, by: t.manager)
        await expectWAError(.webhookEndpointDisabled) { try await service.replay(second.delivery, by: t.manager) }
    }

    @Test func replayThroughAnEndpointFindsOnlyThatEndpointsDeliveries() async throws {
        let t = try await bed.tenant()
        let fixture = try await failedDelivery(in: t)
        let other = try await service.create(url: "https://other.example.com/", by: t.admin).endpoint
        await expectWAError(.notFound) { try await service.replay(fixture.delivery, of: other.id, by: t.admin) }
        #expect(try await bed.storedDelivery(fixture.delivery, in: t.org).status == .failed, "nothing replayed")
        let replayed = try await service.replay(fixture.delivery, of: fixture.endpoint, by: t.admin)
        #expect(replayed.status == .pending)
    }

    // MARK: Helpers

    struct Fixture {
        let endpoint: WebhookEndpointID
        let delivery: DeliveryID
    }

    /// An endpoint with one delivery that failed for good (HTTP 400).
    private func failedDelivery(in t: WebhookTestbed.Tenant, url: String = "https://fixture.example.com/") async throws
        -> Fixture
    {
        let endpoint = try await service.create(url: url, eventFilters: ["message.received"], by: t.admin).endpoint
        bed.sender.setOutcome(.response(statusCode: 400), for: endpoint.url)
        let (_, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        while try await bed.worker.runOnce(worker: "fixture") > 0 {}
        let delivery = try #require(deliveries.first { $0.endpointID == endpoint.id })
        #expect(try await bed.storedDelivery(delivery.id, in: t.org).status == .failed)
        bed.sender.setOutcome(nil, for: endpoint.url)
        return Fixture(endpoint: endpoint.id, delivery: delivery.id)
    }

    private func perform(_ operation: Operation, _ fixture: Fixture, by principal: Principal) async throws {
        switch operation {
        case .create: _ = try await service.create(url: "https://new-\(principal.role).example.com/", by: principal)
        case .list: _ = try await service.endpoints(by: principal)
        case .get: _ = try await service.endpoint(fixture.endpoint, by: principal)
        case .update: _ = try await service.update(fixture.endpoint, label: "x", by: principal)
        case .delete: try await service.delete(fixture.endpoint, by: principal)
        case .rotate: _ = try await service.rotateSecret(fixture.endpoint, by: principal)
        case .finishRotation: _ = try await service.finishRotation(fixture.endpoint, by: principal)
        case .test: _ = try await service.sendTestEvent(to: fixture.endpoint, by: principal)
        case .deliveries: _ = try await service.deliveries(by: principal, endpoint: fixture.endpoint)
        case .delivery: _ = try await service.delivery(fixture.delivery, by: principal)
        case .replay: _ = try await service.replay(fixture.delivery, by: principal)
        }
    }

    /// Performs `operation` and checks that it did what it says: the answer it returned, or the stored state.
    private func expectPerformed(
        _ operation: Operation, _ fixture: Fixture, by principal: Principal, in org: OrganizationID
    ) async throws {
        switch operation {
        case .create:
            let created = try await service.create(url: "https://new-\(principal.role).example.com/", by: principal)
            #expect(try await bed.storedEndpoint(created.endpoint.id, in: org).url == created.endpoint.url)
        case .list:
            #expect(try await service.endpoints(by: principal).items.map(\.id).contains(fixture.endpoint))
        case .get:
            #expect(try await service.endpoint(fixture.endpoint, by: principal).id == fixture.endpoint)
        case .update:
            _ = try await service.update(fixture.endpoint, label: "x", by: principal)
            #expect(try await bed.storedEndpoint(fixture.endpoint, in: org).label == "x")
        case .delete:
            try await service.delete(fixture.endpoint, by: principal)
            await expectWAError(.notFound) { try await bed.storedEndpoint(fixture.endpoint, in: org) }
        case .rotate:
            _ = try await service.rotateSecret(fixture.endpoint, by: principal)
            #expect(try await bed.storedEndpoint(fixture.endpoint, in: org).sealedSecrets.count == 2, "new and previous")
        case .finishRotation:
            _ = try await service.rotateSecret(fixture.endpoint, by: principal)
            _ = try await service.finishRotation(fixture.endpoint, by: principal)
            #expect(try await bed.storedEndpoint(fixture.endpoint, in: org).sealedSecrets.count == 1, "the previous is gone")
        case .test:
            let delivery = try await service.sendTestEvent(to: fixture.endpoint, by: principal)
            #expect(try await bed.storedDelivery(delivery.id, in: org).endpointID == fixture.endpoint)
        case .deliveries:
            let deliveries = try await service.deliveries(by: principal, endpoint: fixture.endpoint).items
            #expect(deliveries.map(\.id).contains(fixture.delivery))
        case .delivery:
            #expect(try await service.delivery(fixture.delivery, by: principal).id == fixture.delivery)
        case .replay:
            _ = try await service.replay(fixture.delivery, by: principal)
            #expect(try await bed.storedDelivery(fixture.delivery, in: org).status == .pending)
        }
    }

    private func expectNoSecret(_ secret: WebhookSecret, in endpoint: WebhookEndpoint) throws {
        let base64 = String(secret.text.dropFirst(WebhookSecret.prefix.count))
        var dumped = ""
        dump(endpoint, to: &dumped)
        let json = String(decoding: try JSONEncoder().encode(endpoint), as: UTF8.self)
        for text in [String(describing: endpoint), String(reflecting: endpoint), dumped, json] {
            #expect(!text.contains(secret.text) && !text.contains(base64))
        }
    }
}
