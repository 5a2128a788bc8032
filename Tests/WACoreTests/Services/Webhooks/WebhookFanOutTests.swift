import Foundation
import Testing
import WACore
import WACoreTesting

/// The fan-out: deliveries come from the event log, once per endpoint and event, in the log's order.
@Suite("Webhook fan-out")
struct WebhookFanOutTests {
    let bed = WebhookTestbed()
    var service: WebhookService { bed.service }

    private func fanOutJobs(_ org: OrganizationID) async throws -> [Job] {
        try await bed.env.store.transaction(.organization(org)) {
            try await $0.jobs.list(in: org, where: .init(queue: WebhookService.fanOutQueue), page: .all).items
        }
    }

    private func consumer(_ org: OrganizationID) async throws -> EventLogConsumer {
        try await bed.env.store.transaction(.organization(org)) { try await $0.eventLog.consumer("webhooks", in: org) }
    }

    /// Publishes an event of `type` without running the fan-out.
    @discardableResult
    private func log(_ type: WebhookEventType, in org: OrganizationID, data: JSONValue = ["n": 1]) async throws
        -> WebhookEvent
    {
        let event = WebhookEvent(type: type, organizationID: org, data: data, ids: bed.env.ids)
        _ = try await bed.env.store.transaction(.organization(org)) { try await service.publish(event, in: $0) }
        return event
    }

    @Test func publishingLogsAndSchedulesOneRunPerBurst() async throws {
        let t = try await bed.tenant()
        let a = try await service.create(url: "https://a.example.com/", by: t.admin).endpoint
        let b = try await service.create(url: "https://b.example.com/", eventFilters: ["message.sent"], by: t.admin)
            .endpoint
        var events: [WebhookEvent] = []
        for type in [WebhookEventType.messageSent, .messageReceived, .messageSent] { events.append(try await log(type, in: t.org)) }

        // Three events, one scheduled run, no delivery yet.
        #expect(try await bed.deliveries(t.org).isEmpty)
        #expect(try await fanOutJobs(t.org).map(\.state) == [.available])
        #expect(try await consumer(t.org) == EventLogConsumer(name: "webhooks", organizationID: t.org, isScheduled: true))

        #expect(try await bed.runFanOut() == 1)
        let deliveries = try await bed.deliveries(t.org).sorted { $0.id < $1.id }
        let expected: [(WebhookEndpointID, WebhookEvent)] = [
            (a.id, events[0]), (b.id, events[0]), (a.id, events[1]), (a.id, events[2]), (b.id, events[2]),
        ]
        #expect(deliveries.map(\.endpointID) == expected.map(\.0), "in the log's order, each event's endpoints")
        #expect(deliveries.map(\.eventID) == expected.map(\.1.id.description))
        #expect(zip(deliveries, expected).allSatisfy { $0.payload == $1.1.encoded() && $0.status == .pending })
        #expect(try await bed.jobs(t.org).count == 5, "one delivery job each")
        #expect(try await consumer(t.org) == EventLogConsumer(name: "webhooks", organizationID: t.org, position: 3))
        #expect(try await fanOutJobs(t.org).map(\.state) == [.completed])

        // The next event schedules the next run.
        let later = try await log(.messageSent, in: t.org)
        #expect(try await fanOutJobs(t.org).map(\.state).sorted { $0.rawValue < $1.rawValue } == [.available, .completed])
        try await bed.runFanOut()
        #expect(try await bed.deliveries(of: later, in: t.org).count == 2)
    }

    @Test func anEndpointReceivesWhatIsLoggedAfterItsCreation() async throws {
        let t = try await bed.tenant()
        let before = try await log(.messageSent, in: t.org)
        // Created after the event was logged but before the fan-out ran.
        let endpoint = try await service.create(url: "https://late.example.com/", by: t.admin).endpoint
        #expect(endpoint.firstEventSequence == 2)
        let after = try await log(.messageSent, in: t.org)
        try await bed.runFanOut()
        #expect(try await bed.deliveries(t.org).map(\.eventID) == [after.id.description])
        #expect(try await bed.deliveries(of: before, in: t.org).isEmpty)
    }

    @Test func endpointsAreJudgedWhenTheFanOutRuns() async throws {
        let t = try await bed.tenant()
        let subject = try await service.create(url: "https://subject.example.com/", by: t.admin).endpoint
        let other = try await service.create(url: "https://other.example.com/", by: t.admin).endpoint
        let paused = try await service.create(url: "https://paused.example.com/", by: t.admin).endpoint

        // A notice about `subject` (published as the delivery worker does), and an ordinary event.
        let notice = try await log(
            .webhookEndpointDisabled, in: t.org, data: ["endpoint_id": .identifier(subject.id), "reason": "gone"])
        let ordinary = try await log(.messageSent, in: t.org)
        // Before the fan-out runs, one endpoint is disabled by a user.
        _ = try await service.update(paused.id, isEnabled: false, by: t.admin)
        try await bed.runFanOut()

        #expect(try await bed.deliveries(of: notice, in: t.org).map(\.endpointID) == [other.id],
            "never to the endpoint it is about (enabled here), never to a disabled one")
        #expect(Set(try await bed.deliveries(of: ordinary, in: t.org).map(\.endpointID)) == [subject.id, other.id])
    }

    @Test func aLongLogIsReadPageByPageAndEachRunYields() async throws {
        let t = try await bed.tenant()
        _ = try await service.create(url: "https://a.example.com/", by: t.admin)
        let fanOut = WebhookFanOutWorker(service: service, pageSize: 2, pagesPerRun: 2)
        let events = (1...9).map {
            WebhookEvent(type: .messageSent, organizationID: t.org, data: ["n": .integer(Int64($0))], ids: bed.env.ids)
        }
        try await bed.env.store.transaction(.organization(t.org)) { tx in
            for event in events { _ = try await service.publish(event, in: tx) }
        }
        var positions: [UInt64] = []
        while try await fanOut.runOnce(worker: "f") > 0 { positions.append(try await consumer(t.org).position) }
        #expect(positions == [4, 8, 9], "two pages of two per run, then the rest")
        let payloads = try await bed.deliveries(t.org).sorted { $0.id < $1.id }.map(\.payload)
        #expect(payloads == events.map { $0.encoded() }, "every event once, in order")
        #expect(try await consumer(t.org).isScheduled == false)
    }

    @Test func aRunWhoseWorkerDiedIsTakenOverWithoutDuplicates() async throws {
        let t = try await bed.tenant()
        _ = try await service.create(url: "https://a.example.com/", by: t.admin)
        for _ in 0..<3 { try await log(.messageSent, in: t.org) }
        // A worker claims the run and dies before it writes anything.
        let now = bed.clock.now()
        let claimed = try await bed.env.store.transaction(.system) {
            try await $0.jobs.claim(queues: [WebhookService.fanOutQueue], worker: "dead", limit: 1, lease: .seconds(60), now: now)
        }
        #expect(claimed.count == 1)
        #expect(try await bed.runFanOut() == 0, "the lane waits while the lease runs")
        bed.clock.advance(by: .seconds(61))
        #expect(try await bed.runFanOut() == 1)
        #expect(try await bed.deliveries(t.org).count == 3)
        // The dead worker's claim can no longer complete the job.
        await expectWAError(.leaseLost) {
            _ = try await bed.env.store.transaction(.organization(t.org)) {
                try await $0.jobs.complete(claimed[0].id, in: t.org, attempt: claimed[0].attempt, now: bed.clock.now())
            }
        }
    }

    @Test func concurrentPublishersAndRunsLoseNoEventAndDuplicateNone() async throws {
        let t = try await bed.tenant()
        let endpoints = [
            try await service.create(url: "https://a.example.com/", by: t.admin).endpoint.id,
            try await service.create(url: "https://b.example.com/", by: t.admin).endpoint.id,
        ]
        let writers = 6
        let perWriter = 15
        let done = WebhookTestSlot<Bool>()
        // Two fan-out loops run while the writers publish; each sleeps a moment when nothing is due.
        let loops = (0..<2).map { loop in
            Task {
                while done.current != true {
                    if try await bed.fanOut.runOnce(worker: "f\(loop)") == 0 { try await Task.sleep(for: .microseconds(300)) }
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        _ = try await log(.messageSent, in: t.org, data: ["n": .integer(Int64(writer * 100 + n))])
                    }
                }
            }
            try await group.waitForAll()
        }
        done.set(true)
        for loop in loops { try await loop.value }
        try await bed.runFanOut()

        let deliveries = try await bed.deliveries(t.org)
        let events = writers * perWriter
        #expect(deliveries.count == events * endpoints.count)
        #expect(Set(deliveries.map { "\($0.endpointID)/\($0.eventID)" }).count == deliveries.count, "no duplicate")
        let consumer = try await consumer(t.org)
        #expect(consumer.position == UInt64(events) && !consumer.isScheduled, "read to the end: \(consumer)")
        #expect(try await fanOutJobs(t.org).allSatisfy { $0.state == .completed }, "no run left behind")
    }
}
