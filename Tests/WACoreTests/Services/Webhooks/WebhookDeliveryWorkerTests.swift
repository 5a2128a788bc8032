import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Webhook delivery worker")
struct WebhookDeliveryWorkerTests {
    // MARK: Signing

    @Test func sentRequestsVerifyWithTheReturnedSecret() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let plain = try await bed.service.create(url: "https://plain.example.com/wa", by: t.admin)
        let hub = try await bed.service.create(
            url: "https://hub.example.com/wa", signatureMode: .standardWebhooksAndHubSignature, by: t.admin)
        let (event, deliveries) = try await bed.publish(.messageReceived, in: t.org, data: ["text": "Olá 👋"])
        #expect(try await bed.worker.runOnce(worker: "w") == 2)

        for (created, hubMode) in [(plain, false), (hub, true)] {
            let request = try #require(bed.sender.requests(to: created.endpoint.url).first)
            #expect(request.body == event.encoded() && request.timeout == .seconds(15))
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("webhook-id") == event.id.description)
            #expect(request.header("webhook-timestamp") == String(Int64(bed.clock.now().timeIntervalSince1970)))
            #expect(request.attempt == 1 && request.endpointID == created.endpoint.id)
            #expect(request.targetPolicy == .standard)
            try StandardWebhookVerifier(secret: created.secret)
                .verify(payload: request.body, headers: WebhookTestbed.headers(request), now: bed.clock.now())
            let hubHeader = request.header(HubSignature256.headerName)
            #expect((hubHeader != nil) == hubMode)
            if hubMode {
                #expect(HubSignature256(webhookSecret: created.secret).isValid(headerValue: hubHeader, payload: request.body))
            }
        }
        // Each endpoint has its own secret.
        let plainRequest = try #require(bed.sender.requests(to: plain.endpoint.url).first)
        expectWAError(.webhookSignatureMismatch) {
            try StandardWebhookVerifier(secret: hub.secret)
                .verify(payload: plainRequest.body, headers: WebhookTestbed.headers(plainRequest), now: bed.clock.now())
        }
        for delivery in deliveries {
            let stored = try await bed.storedDelivery(delivery.id, in: t.org)
            #expect(stored.status == .succeeded && stored.attempts.map(\.statusCode) == [200])
            #expect(stored.nextAttemptAt == nil)
        }
        #expect(try await bed.jobs(t.org).allSatisfy { $0.state == .completed })
    }

    @Test func duringARotationBothSecretsVerifyAndAfterTheWindowOnlyTheNewOne() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let created = try await bed.service.create(
            url: "https://a.example.com/", signatureMode: .standardWebhooksAndHubSignature, by: t.admin)
        let rotated = try await bed.service.rotateSecret(created.endpoint.id, by: t.admin)
        try await bed.publish(.messageReceived, in: t.org)
        try await bed.worker.runOnce(worker: "w")
        let during = try #require(bed.sender.requests.last)
        #expect(during.header("webhook-signature")?.split(separator: " ").count == 2)
        for secret in [created.secret, rotated.secret] {
            try StandardWebhookVerifier(secret: secret)
                .verify(payload: during.body, headers: WebhookTestbed.headers(during), now: bed.clock.now())
        }
        #expect(HubSignature256(webhookSecret: rotated.secret)
            .isValid(headerValue: during.header(HubSignature256.headerName), payload: during.body))

        bed.clock.set(rotated.previousSecretRetiresAt)
        try await bed.publish(.messageReceived, in: t.org)
        try await bed.worker.runOnce(worker: "w")
        let after = try #require(bed.sender.requests.last)
        #expect(after.header("webhook-signature")?.split(separator: " ").count == 1)
        try StandardWebhookVerifier(secret: rotated.secret)
            .verify(payload: after.body, headers: WebhookTestbed.headers(after), now: bed.clock.now())
        expectWAError(.webhookSignatureMismatch) {
            try StandardWebhookVerifier(secret: created.secret)
                .verify(payload: after.body, headers: WebhookTestbed.headers(after), now: bed.clock.now())
        }
        // The retired secret is dropped from storage at the endpoint's next change.
        _ = try await bed.service.update(created.endpoint.id, label: "renamed", by: t.admin)
        #expect(try await bed.storedEndpoint(created.endpoint.id, in: t.org).sealedSecrets.count == 1)
    }

    @Test func finishingARotationStopsTheOldSecretAtOnce() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let created = try await bed.service.create(url: "https://a.example.com/", by: t.admin)
        let rotated = try await bed.service.rotateSecret(created.endpoint.id, by: t.admin)
        _ = try await bed.service.finishRotation(created.endpoint.id, by: t.admin)
        try await bed.publish(.messageReceived, in: t.org)
        try await bed.worker.runOnce(worker: "w")
        let request = try #require(bed.sender.requests.last)
        try StandardWebhookVerifier(secret: rotated.secret)
            .verify(payload: request.body, headers: WebhookTestbed.headers(request), now: bed.clock.now())
        expectWAError(.webhookSignatureMismatch) {
            try StandardWebhookVerifier(secret: created.secret)
                .verify(payload: request.body, headers: WebhookTestbed.headers(request), now: bed.clock.now())
        }
    }

    // MARK: Retries

    @Test func aFailingEndpointIsRetriedOnTheStandardScheduleThenReplayed() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let created = try await bed.service.create(url: "https://down.example.com/", by: t.admin)
        let url = created.endpoint.url
        bed.sender.setOutcome(.response(statusCode: 500), for: url)
        let (event, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        let id = try #require(deliveries.first).id
        let start = bed.clock.now()

        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        let schedule: [Double] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
        for (index, base) in schedule.enumerated() {
            let delivery = try await bed.storedDelivery(id, in: t.org)
            #expect(delivery.status == .pending && delivery.attempts.count == index + 1)
            let due = try #require(delivery.nextAttemptAt)
            let wait = due.timeIntervalSince(try #require(delivery.attempts.last).startedAt)
            #expect(wait >= base * 0.9 && wait <= base * 1.1, "wait after attempt \(index + 1): \(wait)")
            // Not before it is due.
            bed.clock.set(due.addingTimeInterval(-0.001))
            #expect(try await bed.worker.runOnce(worker: "w") == 0)
            bed.clock.set(due)
            #expect(try await bed.worker.runOnce(worker: "w") == 1)
            #expect(try await bed.storedDelivery(id, in: t.org).attempts.last?.startedAt == due)
        }
        let failed = try await bed.storedDelivery(id, in: t.org)
        #expect(failed.status == .failed && failed.attempts.count == 8 && failed.nextAttemptAt == nil)
        #expect(failed.attempts.allSatisfy { $0.statusCode == 500 && $0.error == nil })
        let total = try #require(failed.attempts.last).startedAt.timeIntervalSince(start)
        #expect(total > 0.9 * 99_305 && total < 1.1 * 99_305)
        let job = try #require(try await bed.jobs(t.org).first)
        #expect(job.state == .failed && job.lastError == "attempts exhausted (last: HTTP 500)")
        // Every attempt was signed afresh, with the same webhook-id.
        let requests = bed.sender.requests(to: url)
        #expect(requests.count == 8 && Set(requests.compactMap { $0.header("webhook-timestamp") }).count == 8)
        #expect(Set(requests.compactMap { $0.header("webhook-id") }) == [event.id.description])
        #expect(try await bed.worker.runOnce(worker: "w") == 0)

        // The receiver is fixed; the delivery is replayed by hand and succeeds with the same id and bytes.
        bed.sender.setOutcome(.response(statusCode: 204), for: url)
        bed.clock.advance(by: .seconds(3600))
        let replayed = try await bed.service.replay(id, by: t.manager)
        #expect(replayed.status == .pending && replayed.nextAttemptAt == bed.clock.now())
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        let succeeded = try await bed.storedDelivery(id, in: t.org)
        #expect(succeeded.status == .succeeded && succeeded.attempts.count == 9)
        #expect(succeeded.attempts.last?.statusCode == 204)
        let last = try #require(bed.sender.requests(to: url).last)
        #expect(last.header("webhook-id") == event.id.description && last.body == event.encoded())
        #expect(last.attempt == 1)
        try StandardWebhookVerifier(secret: created.secret)
            .verify(payload: last.body, headers: WebhookTestbed.headers(last), now: bed.clock.now())
        let jobs = try await bed.jobs(t.org)
        #expect(jobs.map(\.state) == [.failed, .completed])
        let replayJob = try #require(jobs.last)
        #expect(replayJob.uniqueKey == "\(created.endpoint.id)/\(event.id)/replay-\(replayJob.id)")
        // The standard health policy needs 5 days of failures: the endpoint stayed enabled, its streak reset.
        let endpoint = try await bed.storedEndpoint(created.endpoint.id, in: t.org)
        #expect(endpoint.isEnabled && endpoint.consecutiveFailures == 0 && endpoint.firstFailureAt == nil)
    }

    @Test func retryAfterLengthensTheWaitButNeverShortensIt() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let url = try await bed.service.create(url: "https://busy.example.com/", by: t.admin).endpoint.url
        bed.sender.enqueue(
            [
                .response(statusCode: 429, retryAfter: .delay(.seconds(7200))),
                .response(statusCode: 503, retryAfter: .delay(.seconds(1))),
                .timeout,
            ], for: url)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        let start = bed.clock.now()
        try await bed.worker.runOnce(worker: "w")
        var delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.nextAttemptAt == start.addingTimeInterval(7200))

        bed.clock.set(try #require(delivery.nextAttemptAt))
        try await bed.worker.runOnce(worker: "w")
        delivery = try await bed.storedDelivery(id, in: t.org)
        let wait = try #require(delivery.nextAttemptAt).timeIntervalSince(bed.clock.now())
        #expect(wait >= 270 && wait <= 330)

        bed.clock.set(try #require(delivery.nextAttemptAt))
        try await bed.worker.runOnce(worker: "w")
        delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.attempts.map(\.statusCode) == [429, 503, nil])
        #expect(delivery.attempts.last?.error == "timeout" && delivery.status == .pending)
        let job = try #require(try await bed.jobs(t.org).first)
        #expect(job.lastError == "timeout" && job.scheduledAt == delivery.nextAttemptAt)
    }

    @Test(arguments: [
        (WebhookAttemptOutcome.response(statusCode: 400), "permanent failure: HTTP 400"),
        (.response(statusCode: 422), "permanent failure: HTTP 422"),
        (.response(statusCode: 500, abortRequested: true), "aborted by receiver (webhook-delivery: abort-message)"),
    ])
    func permanentOutcomesAreNotRetried(_ outcome: WebhookAttemptOutcome, _ reason: String) async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let endpoint = try await bed.service.create(url: "https://a.example.com/", by: t.admin).endpoint
        bed.sender.setOutcome(outcome, for: endpoint.url)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        try await bed.worker.runOnce(worker: "w")
        let delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.status == .failed && delivery.attempts.count == 1)
        #expect(try await bed.jobs(t.org).first?.lastError == reason)
        let stored = try await bed.storedEndpoint(endpoint.id, in: t.org)
        #expect(stored.isEnabled && stored.consecutiveFailures == 1)
    }

    // MARK: Endpoint health

    @Test func autoDisableAfterTheThresholdThenASuccessfulTestReEnables() async throws {
        let bed = WebhookTestbed(
            retryPolicy: WebhookRetryPolicy(backoff: .schedule([.seconds(60)]), maxAttempts: 10),
            healthPolicy: WebhookEndpointHealthPolicy(failureThreshold: 3, failingDuration: .seconds(60)))
        let t = try await bed.tenant()
        let failing = try await bed.service.create(url: "https://failing.example.com/", label: "CRM", by: t.admin)
        let healthy = try await bed.service.create(url: "https://healthy.example.com/", by: t.admin).endpoint
        bed.sender.setOutcome(.connectionFailed("refused"), for: failing.endpoint.url)
        let (_, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        let failingDelivery = try #require(deliveries.first { $0.endpointID == failing.endpoint.id })
        let start = bed.clock.now()

        try await bed.worker.runOnce(worker: "w")
        for _ in 0..<2 {
            bed.clock.advance(by: .seconds(60))
            try await bed.worker.runOnce(worker: "w")
        }
        let disabled = try await bed.storedEndpoint(failing.endpoint.id, in: t.org)
        #expect(!disabled.isEnabled && disabled.consecutiveFailures == 3 && disabled.firstFailureAt == start)
        #expect(disabled.disabledReason?.hasPrefix(WebhookEndpointHealthPolicy.reasonPrefix) == true)
        let audit = try #require(try await bed.auditEvents(t.org, action: "webhook_endpoint.disabled").first)
        #expect(audit.actor == .system && audit.resourceID == failing.endpoint.id.description)
        #expect(audit.metadata["consecutive_failures"] == "3")
        #expect(try await bed.storedDelivery(failingDelivery.id, in: t.org).attempts.last?.error
            == "connection failed: refused")

        // The other endpoint hears about it (through the fan-out); the disabled one does not.
        try await bed.runFanOut()
        let notices = try await bed.deliveries(t.org).filter { $0.eventType == "webhook.endpoint_disabled" }
        #expect(notices.map(\.endpointID) == [healthy.id])
        try await bed.worker.runOnce(worker: "w")
        let notice = try #require(bed.sender.requests(to: healthy.url).last)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(notice.body)) as? [String: Any])
        let data = try #require(envelope["data"] as? [String: Any])
        #expect(envelope["type"] as? String == "webhook.endpoint_disabled")
        #expect(data["endpoint_id"] as? String == failing.endpoint.id.description && data["label"] as? String == "CRM")

        // Its pending delivery is given up without another request.
        let sentToFailing = bed.sender.requests(to: failing.endpoint.url).count
        bed.clock.advance(by: .seconds(60))
        try await bed.worker.runOnce(worker: "w")
        #expect(bed.sender.requests(to: failing.endpoint.url).count == sentToFailing)
        let givenUp = try await bed.storedDelivery(failingDelivery.id, in: t.org)
        #expect(givenUp.status == .failed && givenUp.attempts.count == 3)

        // Ordinary events skip it; a test event reaches it, and its success re-enables it.
        let later = try await bed.publish(.messageReceived, in: t.org).1
        #expect(later.map(\.endpointID) == [healthy.id])
        bed.sender.setOutcome(nil, for: failing.endpoint.url)
        let test = try await bed.service.sendTestEvent(to: failing.endpoint.id, by: t.manager)
        #expect(test.eventType == "webhook.test" && test.endpointID == failing.endpoint.id)
        while try await bed.worker.runOnce(worker: "w") > 0 {}
        let enabled = try await bed.storedEndpoint(failing.endpoint.id, in: t.org)
        #expect(enabled.isEnabled && enabled.disabledReason == nil && enabled.consecutiveFailures == 0)
        #expect(try await bed.storedDelivery(test.id, in: t.org).status == .succeeded)
        let reEnabled = try #require(try await bed.auditEvents(t.org, action: "webhook_endpoint.enabled").first)
        #expect(reEnabled.actor == .system)
    }

    @Test func goneDisablesAtOnce() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let gone = try await bed.service.create(url: "https://gone.example.com/", by: t.admin).endpoint
        let other = try await bed.service.create(url: "https://other.example.com/", by: t.admin).endpoint
        bed.sender.setOutcome(.response(statusCode: 410), for: gone.url)
        let (_, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        try await bed.worker.runOnce(worker: "w")
        let delivery = try #require(deliveries.first { $0.endpointID == gone.id })
        #expect(try await bed.storedDelivery(delivery.id, in: t.org).status == .failed)
        let stored = try await bed.storedEndpoint(gone.id, in: t.org)
        #expect(!stored.isEnabled && stored.disabledReason?.contains("410") == true)
        try await bed.runFanOut()
        let notices = try await bed.deliveries(t.org).filter { $0.eventType == "webhook.endpoint_disabled" }
        #expect(notices.map(\.endpointID) == [other.id])
        #expect(try await bed.jobs(t.org).first { $0.uniqueKey?.hasPrefix(gone.id.description) == true }?.lastError
            == "endpoint gone: HTTP 410")
    }

    @Test func aUserDisabledEndpointGetsTestsButStaysDisabled() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let endpoint = try await bed.service.create(url: "https://a.example.com/", by: t.admin).endpoint
        let pending = try #require(try await bed.publish(.messageReceived, in: t.org).1.first)
        _ = try await bed.service.update(endpoint.id, isEnabled: false, by: t.admin)
        try await bed.worker.runOnce(worker: "w")
        #expect(bed.sender.requests.isEmpty)
        #expect(try await bed.storedDelivery(pending.id, in: t.org).status == .failed)

        _ = try await bed.service.sendTestEvent(to: endpoint.id, by: t.admin)
        try await bed.worker.runOnce(worker: "w")
        #expect(bed.sender.requests.count == 1)
        let stored = try await bed.storedEndpoint(endpoint.id, in: t.org)
        #expect(!stored.isEnabled && stored.disabledReason == "disabled by user")
    }

    @Test func theTestEventGoesToOneEndpointOnly() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let target = try await bed.service.create(url: "https://a.example.com/", eventFilters: ["message.*"], by: t.admin)
        _ = try await bed.service.create(url: "https://b.example.com/", by: t.admin)
        let delivery = try await bed.service.sendTestEvent(to: target.endpoint.id, by: t.admin)
        #expect(try await bed.deliveries(t.org).map(\.id) == [delivery.id])
        try await bed.worker.runOnce(worker: "w")
        let request = try #require(bed.sender.requests.first)
        #expect(bed.sender.requests.count == 1 && request.url == target.endpoint.url)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(envelope["type"] as? String == "webhook.test")
        #expect((envelope["data"] as? [String: Any])?["endpoint_id"] as? String == target.endpoint.id.description)
        let audit = try #require(try await bed.auditEvents(t.org, action: "webhook_endpoint.test_sent").first)
        #expect(audit.metadata["event_id"] == delivery.eventID)
    }

    @Test func aURLTheCurrentPolicyRefusesIsNotSent() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        // Created under an on-premises policy, delivered under the standard one.
        let onPrem = WebhookService(environment: bed.env, urlPolicy: .permissive)
        _ = try await onPrem.create(url: "http://10.0.0.5:8080/hook", by: t.admin)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        try await bed.worker.runOnce(worker: "w")
        #expect(bed.sender.requests.isEmpty)
        let delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.status == .pending && delivery.attempts.first?.error?.hasPrefix("not sent:") == true)
    }

    @Test func aJobWokenBeforeItsDeliveryIsDueWaitsWithoutSpendingAnAttempt() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        _ = try await bed.service.create(url: "https://a.example.com/", by: t.admin)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        let due = bed.clock.now().addingTimeInterval(90)
        try await bed.env.store.transaction(.organization(t.org)) { tx in
            _ = try await tx.deliveries.modify(id, in: t.org) { $0.state = .scheduled(attempt: 1, at: due) }
        }
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        #expect(bed.sender.requests.isEmpty)
        let job = try #require(try await bed.jobs(t.org).first)
        #expect(job.state == .available && job.scheduledAt == due && job.snoozes == 1 && job.failedClaims == 0)
        bed.clock.set(due)
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        #expect(try await bed.storedDelivery(id, in: t.org).status == .succeeded)
    }

    // MARK: Fencing and the run loop

    @Test func aStaleWorkerCannotRecordItsAttempt() async throws {
        let calls = WebhookCallCounter()
        let slot = WebhookTestSlot<WebhookTestbed>()
        let sender = RecordingWebhookSender { _ in
            guard calls.next() == 1, let bed = slot.current else { return .response(statusCode: 200) }
            // Worker A stalls past its lease; worker B takes the job over and delivers it.
            bed.clock.advance(by: .seconds(61))
            _ = try? await bed.worker.runOnce(worker: "B")
            return .response(statusCode: 500)
        }
        let bed = WebhookTestbed(sender: sender, lease: .seconds(60))
        slot.set(bed)
        let t = try await bed.tenant()
        let endpoint = try await bed.service.create(url: "https://a.example.com/", by: t.admin).endpoint
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id

        #expect(try await bed.worker.runOnce(worker: "A") == 1)
        #expect(bed.sender.requests.count == 2)
        let delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.status == .succeeded && delivery.attempts.map(\.statusCode) == [200])
        let job = try #require(try await bed.jobs(t.org).first)
        #expect(job.state == .completed && job.attempt == 2)
        let stored = try await bed.storedEndpoint(endpoint.id, in: t.org)
        #expect(stored.consecutiveFailures == 0 && stored.firstFailureAt == nil)
    }

    @Test func theAttemptIsStoredInFlightBeforeTheRequestAndMadeAgainWhenItsWorkerDies() async throws {
        let calls = WebhookCallCounter()
        let slot = WebhookTestSlot<(WebhookTestbed, OrganizationID)>()
        let seen = WebhookTestSlot<[WebhookDeliveryStateMachine.State]>()
        let sender = RecordingWebhookSender { request in
            guard let (bed, org) = slot.current else { return .response(statusCode: 500) }
            let state = (try? await bed.storedDelivery(request.deliveryID, in: org))?.state
            seen.set((seen.current ?? []) + (state.map { [$0] } ?? []))
            guard calls.next() == 1 else { return .response(statusCode: 204) }
            // Worker A dies mid-request: its lease runs out, worker B claims the job again.
            bed.clock.advance(by: .seconds(61))
            _ = try? await bed.worker.runOnce(worker: "B")
            return .response(statusCode: 500)
        }
        let bed = WebhookTestbed(sender: sender, lease: .seconds(60))
        let t = try await bed.tenant()
        slot.set((bed, t.org))
        _ = try await bed.service.create(url: "https://a.example.com/", by: t.admin)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        let start = bed.clock.now()

        #expect(try await bed.worker.runOnce(worker: "A") == 1)
        // Each request went out with its attempt already stored as in flight; B made A's attempt again.
        #expect(seen.current == [.inFlight(attempt: 1, since: start), .inFlight(attempt: 1, since: start.addingTimeInterval(61))])
        #expect(bed.sender.requests.map(\.attempt) == [1, 1])
        let delivery = try await bed.storedDelivery(id, in: t.org)
        #expect(delivery.state == .succeeded(attempts: 1) && delivery.attempts.map(\.statusCode) == [204])
    }

    @Test func aJobWhosePayloadCannotBeReadIsRetriedThenFailedOnItsLastAttempt() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        let now = bed.clock.now()
        try await bed.env.store.transaction(.organization(t.org)) { tx in
            _ = try await tx.jobs.enqueue(
                Job(
                    id: bed.env.ids.make(), organizationID: t.org, queue: WebhookService.deliveryQueue,
                    payload: Array(#"{"written":"by a newer version"}"#.utf8), maxAttempts: 2, scheduledAt: now,
                    createdAt: now))
        }
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        let retried = try #require(try await bed.jobs(t.org).first)
        // Put back for a node that can read it, after a wait, not failed at once.
        #expect(retried.state == .available && retried.scheduledAt == now.addingTimeInterval(5))
        #expect(retried.lastError == "unreadable job payload")
        bed.clock.set(retried.scheduledAt)
        #expect(try await bed.worker.runOnce(worker: "w") == 1)
        let failed = try #require(try await bed.jobs(t.org).first)
        #expect(failed.state == .failed && failed.attempt == 2 && failed.lastError == "unreadable job payload")
        #expect(bed.sender.requests.isEmpty)
    }

    @Test func theLoopSleepsWhenIdleAndStopsWhenCancelled() async throws {
        let bed = WebhookTestbed()
        let t = try await bed.tenant()
        _ = try await bed.service.create(url: "https://a.example.com/", by: t.admin)
        let worker = bed.worker
        let task = Task { try await worker.run(worker: "loop", pollInterval: .seconds(5)) }
        try await bed.clock.waitForSleepers(1)
        try await bed.publish(.messageReceived, in: t.org)
        #expect(bed.sender.requests.isEmpty)
        bed.clock.advance(by: .seconds(5))
        try await bed.clock.waitForSleepers(1)
        #expect(bed.sender.requests.count == 1)
        task.cancel()
        try await task.value
        #expect(bed.clock.sleeperCount == 0)
    }

    @Test func cancellationFinishesTheDeliveryInHandAndReleasesTheRest() async throws {
        let slot = WebhookTestSlot<Task<Void, any Error>>()
        let sender = RecordingWebhookSender { _ in
            await slot.value.cancel()
            return .response(statusCode: 200)
        }
        let bed = WebhookTestbed(sender: sender)
        let t = try await bed.tenant()
        _ = try await bed.service.create(url: "https://a.example.com/", by: t.admin)
        _ = try await bed.service.create(url: "https://b.example.com/", by: t.admin)
        let (_, deliveries) = try await bed.publish(.messageReceived, in: t.org)
        let worker = bed.worker
        let task = Task { try await worker.run(worker: "loop", pollInterval: .seconds(5)) }
        slot.set(task)
        try await task.value

        #expect(bed.sender.requests.count == 1)
        let first = try await bed.storedDelivery(deliveries[0].id, in: t.org)
        let second = try await bed.storedDelivery(deliveries[1].id, in: t.org)
        #expect(first.status == .succeeded && first.attempts.count == 1)
        #expect(second.status == .pending && second.attempts.isEmpty)
        let jobs = try await bed.jobs(t.org)
        #expect(jobs.map(\.state) == [.completed, .available])
        #expect(jobs.last.map { $0.snoozes == 1 && $0.failedClaims == 0 } == true)
        // Another worker picks the released job up.
        #expect(try await bed.worker.runOnce(worker: "next") == 1)
        #expect(try await bed.storedDelivery(deliveries[1].id, in: t.org).status == .succeeded)
    }

    @Test func loopErrorsGoToTheHandlerWhenGiven() async throws {
        struct FailingStore: Store {
            var rateLimits: any RateLimitStore { MemoryRateLimitStore() }
            func transaction<Result>(_ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result)
                async throws -> Result
            {
                throw WAError(.internalError, "database unavailable")
            }
        }
        let bed = WebhookTestbed()
        var env = bed.env
        env.store = FailingStore()
        let worker = WebhookDeliveryWorker(service: WebhookService(environment: env), sender: bed.sender)
        await expectWAError(.internalError) { try await worker.run(worker: "w") }
        let errors = WebhookCallCounter()
        let task = Task { try await worker.run(worker: "w", pollInterval: .seconds(1), onError: { _ in _ = errors.next() }) }
        try await bed.clock.waitForSleepers(1)
        bed.clock.advance(by: .seconds(1))
        try await bed.clock.waitForSleepers(1)
        task.cancel()
        try await task.value
        #expect(errors.next() == 3)
    }

    // MARK: Audit

    @Test func everyChangeIsAudited() async throws {
        let bed = WebhookTestbed(healthPolicy: WebhookEndpointHealthPolicy(failureThreshold: 1, failingDuration: .zero))
        let t = try await bed.tenant()
        let endpoint = try await bed.service.create(url: "https://a.example.com/", by: t.manager).endpoint
        _ = try await bed.service.update(endpoint.id, label: "A", by: t.manager)
        _ = try await bed.service.update(endpoint.id, isEnabled: false, by: t.manager)
        _ = try await bed.service.update(endpoint.id, isEnabled: true, by: t.manager)
        _ = try await bed.service.rotateSecret(endpoint.id, by: t.manager)
        _ = try await bed.service.finishRotation(endpoint.id, by: t.manager)
        bed.sender.setOutcome(.response(statusCode: 400), for: endpoint.url)
        let id = try #require(try await bed.publish(.messageReceived, in: t.org).1.first).id
        try await bed.worker.runOnce(worker: "w")  // fails: the threshold of 1 disables it
        bed.sender.setOutcome(nil, for: endpoint.url)
        _ = try await bed.service.sendTestEvent(to: endpoint.id, by: t.manager)
        try await bed.worker.runOnce(worker: "w")  // succeeds: re-enabled
        _ = try await bed.service.replay(id, by: t.manager)
        try await bed.worker.runOnce(worker: "w")
        try await bed.service.delete(endpoint.id, by: t.manager)

        let audit = try await bed.auditEvents(t.org).filter { $0.resourceType.hasPrefix("webhook") }
        #expect(audit.map(\.action) == [
            "webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.disabled",
            "webhook_endpoint.enabled", "webhook_endpoint.secret_rotated", "webhook_endpoint.rotation_finished",
            "webhook_endpoint.disabled", "webhook_endpoint.test_sent", "webhook_endpoint.enabled",
            "webhook_delivery.replayed", "webhook_endpoint.deleted",
        ])
        #expect(audit.map(\.actor) == [
            t.manager.auditActor, t.manager.auditActor, t.manager.auditActor, t.manager.auditActor,
            t.manager.auditActor, t.manager.auditActor, .system, t.manager.auditActor, .system,
            t.manager.auditActor, t.manager.auditActor,
        ])
    }
}
