import Foundation
import Testing
@testable import WACore
import WACoreTesting

@Suite("Campaign runs")
struct CampaignRunTests {
    /// The acceptance bar: 200 recipients, each exactly one rendered message, never more than 20 sends a minute.
    @Test(arguments: [
        InstanceRateLimits.standard,
        InstanceRateLimits(perMinute: 20, perHour: 2_000, perDay: 20_000),
    ])
    func twoHundredRecipientsWithinTheMinuteTier(limits: InstanceRateLimits) async throws {
        let h = try await CampaignHarness(rateLimits: limits, pacing: CampaignPacing(maxInFlight: 30))
        var vips: [(SimulatedPhone, Contact)] = []
        for index in 0..<200 { vips.append(try await h.customer(index, tags: ["vip"])) }
        let (bystander, _) = try await h.customer(900, tags: ["regular"])
        let template = try await h.template("Hi {{name}}, your VIP offer is ready ({{phone}}).")
        let draft = try await h.campaigns.create(
            name: "VIP launch", instance: h.instance.id, template: template.id, audience: .tags(["VIP"]),
            by: h.adminPrincipal)
        #expect(draft.status == .draft && draft.audience == .tags(["vip"]))
        let started = try await h.campaigns.start(draft.id, by: h.adminPrincipal)
        #expect(started.status == .running && started.progress.total == 200)
        let waves = try await h.jobs(queue: CampaignService.waveQueue)
        #expect(waves.count == 4)
        #expect(Set(waves.compactMap(\.uniqueKey)) == Set((0..<4).map { "\(draft.id)/\($0)" }))

        try await h.runAll()

        for (phone, contact) in vips {
            let texts = phone.inbox.map(\.body)
            #expect(texts == ["Hi \(contact.name!), your VIP offer is ready (\(phone.number.e164))."])
        }
        #expect(bystander.inbox.isEmpty)
        let times = try await h.sendTimes(of: draft.id)
        #expect(times.count == 200)
        #expect(CampaignHarness.busiestMinute(times) <= 20)
        // The tier really bound: 200 sends at 20 a minute take at least 9 minutes after the first burst.
        #expect(times.last!.timeIntervalSince(times.first!) >= 9 * 60)

        let finished = try await h.campaign(draft.id)
        #expect(finished.status == .completed)
        #expect(finished.progress.total == 200 && finished.progress.sent == 200 && finished.progress.queued == 0)
        #expect(finished.progress.failed == 0 && finished.progress.skipped == 0)
        let report = try await h.campaigns.report(draft.id, by: h.adminPrincipal)
        #expect(report.funnel[.targeted].count == 200 && report.funnel[.sent].count == 200)
        #expect(report.unreached == 0 && report.firstSentAt == times.first && report.lastSentAt == times.last)
        let completed = h.webhooks.events.filter { $0.type == .campaignCompleted }
        #expect(completed.count == 1)
        #expect(completed.first?.data["sent"] == .integer(200))
        #expect(h.webhooks.events.filter { $0.type == .campaignProgress }.count >= 8)
        let actions = try await h.auditActions()
        for action in ["campaign.created", "campaign.started", "campaign.completed"] { #expect(actions.contains(action)) }
        #expect(try await h.jobs(queue: CampaignService.waveQueue).allSatisfy { $0.state == .completed })
    }

    @Test func pauseRestartResumeAndACrashSendEveryRecipientExactlyOnce() async throws {
        let pacing = CampaignPacing(batchSize: 25, maxInFlight: 5)
        let h = try await CampaignHarness(pacing: pacing)
        var phones: [SimulatedPhone] = []
        for index in 0..<60 { phones.append(try await h.customer(index, tags: ["vip"]).0) }
        let template = try await h.template("Hello {{first_name}}!")
        let campaign = try await h.campaigns.create(
            name: "Spring", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)

        // Run until 15 are out, then pause: at most the in-flight backlog still goes.
        let audience = phones
        try await h.runAll(until: { audience.reduce(0) { $0 + $1.inbox.count } >= 15 })
        let paused = try await h.campaigns.pause(campaign.id, by: h.adminPrincipal)
        #expect(paused.status == .paused)
        let created = try await h.messages(of: campaign.id).count
        let anHourLater = h.clock.now().addingTimeInterval(3_600)
        try await h.runAll(until: { h.clock.now() >= anHourLater })
        let duringPause = phones.reduce(0) { $0 + $1.inbox.count }
        #expect(duringPause == created && created <= 15 + pacing.maxInFlight + 1)
        #expect(try await h.messages(of: campaign.id).count == created, "no new message while paused")
        #expect(try await h.campaign(campaign.id).status == .paused)

        // The services restart while the campaign is paused: it stays paused, nothing is sent.
        h.restartServices()
        let aDayLater = h.clock.now().addingTimeInterval(86_400)
        try await h.runAll(until: { h.clock.now() >= aDayLater })
        #expect(phones.reduce(0) { $0 + $1.inbox.count } == duringPause)
        #expect(try await h.campaign(campaign.id).status == .paused)

        // Resume (on the restarted services), then "crash": a worker claims a wave, creates the next recipient's message and dies before
        // recording it.
        _ = try await h.campaigns.resume(campaign.id, by: h.adminPrincipal)
        let org = h.organization.id
        let now = h.clock.now()
        let claimed = try await h.env.store.transaction(.system) { tx in
            try await tx.jobs.claim(queues: [CampaignService.waveQueue], worker: "doomed", limit: 1, lease: .seconds(120), now: now)
        }
        let doomed = try #require(claimed.first)
        struct Payload: Decodable {
            struct Recipient: Decodable { var contact: ContactID }
            var recipients: [Recipient]
            var next: Int
        }
        let payload = try doomed.decodePayload(Payload.self)
        let victim = payload.recipients[payload.next].contact
        _ = try await h.messaging.send(
            SendMessageRequest(
                instanceID: h.instance.id, recipient: .contact(victim), content: .text("Hello Customer!"),
                idempotencyKey: CampaignWaveWorker.idempotencyKey(campaign.id, victim)),
            by: .system(org))
        h.restartServices()
        try await h.runAll()

        #expect(phones.map { $0.inbox.count } == Array(repeating: 1, count: 60))
        let reclaimed = try await h.jobs(queue: CampaignService.waveQueue).first { $0.id == doomed.id }
        #expect(reclaimed?.state == .completed && (reclaimed?.attempt ?? 0) > doomed.attempt)
        let final = try await h.campaign(campaign.id)
        #expect(final.status == .completed && final.progress.sent == 60 && final.progress.total == 60)
        #expect(try await h.messages(of: campaign.id).count == 60)
        let actions = try await h.auditActions()
        #expect(actions.contains("campaign.paused") && actions.contains("campaign.resumed"))
    }

    @Test func quietHoursInTheCampaignsTimeZoneDelaySends() async throws {
        // 2026-01-01 00:00 UTC is 09:00 in Tokyo: inside 08–10 Tokyo quiet hours, outside them in UTC.
        let h = try await CampaignHarness()
        var phones: [SimulatedPhone] = []
        for index in 0..<5 { phones.append(try await h.customer(index, tags: ["vip"]).0) }
        let template = try await h.template("Good morning {{name}}")
        let tokyo = Campaign.Schedule(quietHours: .init(startHour: 8, endHour: 10), timeZone: "Asia/Tokyo")
        let campaign = try await h.campaigns.create(
            name: "Tokyo", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), schedule: tokyo,
            by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        try await h.runAll()
        let times = try await h.sendTimes(of: campaign.id)
        let tenInTokyo = Date(timeIntervalSince1970: 1_767_225_600 + 3_600)
        #expect(times.count == 5 && times.allSatisfy { $0 >= tenInTokyo })
        #expect(phones.allSatisfy { $0.inbox.count == 1 })
        #expect(try await h.campaign(campaign.id).status == .completed)

        // The same hours in UTC do not hold the campaign back.
        let utc = try await CampaignHarness()
        for index in 0..<3 { try await utc.customer(index, tags: ["vip"]) }
        let t = try await utc.template("Good morning {{name}}")
        let now = try await utc.campaigns.create(
            name: "UTC", instance: utc.instance.id, template: t.id, audience: .tags(["vip"]),
            schedule: Campaign.Schedule(quietHours: .init(startHour: 8, endHour: 10), timeZone: "UTC"),
            by: utc.adminPrincipal)
        _ = try await utc.campaigns.start(now.id, by: utc.adminPrincipal)
        try await utc.runAll()
        #expect(try await utc.sendTimes(of: now.id).allSatisfy { $0 < Date(timeIntervalSince1970: 1_767_225_600 + 600) })
    }

    @Test func wavesStopBeforeQuietHoursBeginAndResumeAfterThem() async throws {
        // 23:50 UTC on 1 January is 18:50 in New York; quiet from 19:00 to 08:00 local (00:00–13:00 UTC).
        let start = Date(timeIntervalSince1970: 1_767_225_600 + 86_400 - 600)
        let h = try await CampaignHarness(start: start)
        var phones: [SimulatedPhone] = []
        for index in 0..<40 { phones.append(try await h.customer(index, tags: ["vip"]).0) }
        let template = try await h.template("Evening offer for {{name}}")
        let campaign = try await h.campaigns.create(
            name: "NY", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            schedule: Campaign.Schedule(quietHours: .init(startHour: 19, endHour: 8), timeZone: "America/New_York"),
            by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        try await h.runAll()
        let quietStart = start.addingTimeInterval(600)
        let quietEnd = quietStart.addingTimeInterval(13 * 3_600)
        let times = try await h.sendTimes(of: campaign.id)
        #expect(times.count == 40 && phones.allSatisfy { $0.inbox.count == 1 })
        #expect(times.allSatisfy { $0 < quietStart || $0 >= quietEnd })
        #expect(times.contains { $0 < quietStart }, "some went out before the quiet hours")
        #expect(times.contains { $0 >= quietEnd }, "the rest waited for the morning")
    }

    @Test func optedOutAndUnreachableContactsAreSkipped() async throws {
        let h = try await CampaignHarness(pacing: CampaignPacing(batchSize: 4, maxInFlight: 2))
        var people: [(SimulatedPhone, Contact)] = []
        for index in 0..<8 { people.append(try await h.customer(index, tags: ["vip"])) }
        let contacts = ContactService(environment: h.env)
        _ = try await contacts.setOptedOut(true, people[1].1.id, by: h.adminPrincipal)
        _ = try await contacts.setOptedOut(true, people[2].1.id, by: h.adminPrincipal)
        // A contact with neither number nor JID (say, imported half-way).
        let org = h.organization.id
        let now = h.clock.now()
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.contacts.insert(
                Contact(id: h.env.ids.make(), organizationID: org, name: "Nobody", tags: ["vip"], createdAt: now))
        }
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "Skips", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            by: h.adminPrincipal)
        let started = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        #expect(started.progress.total == 9 && started.progress.skipped == 3)
        // The last one opts out after the start, before their turn.
        _ = try await contacts.setOptedOut(true, people[7].1.id, by: h.adminPrincipal)
        try await h.runAll()
        #expect(people.map { $0.0.inbox.count } == [1, 0, 0, 1, 1, 1, 1, 0])
        let final = try await h.campaign(campaign.id)
        #expect(final.status == .completed)
        #expect(final.progress.total == 9 && final.progress.skipped == 4 && final.progress.sent == 5)
        let report = try await h.campaigns.report(campaign.id, by: h.adminPrincipal)
        #expect(report.unreached == 0 && report.funnel[.targeted].count == 9)
        // The counts live on the campaign, not in its wave jobs: pruning every finished job changes nothing.
        let pruned = try await h.env.store.transaction(.system) {
            try await $0.jobs.pruneFinished(before: .distantFuture, limit: 10_000)
        }
        #expect(pruned >= 3)  // three waves of four, a finish job and the sends
        let after = try await h.campaigns.report(campaign.id, by: h.adminPrincipal)
        #expect(after.progress == report.progress && after.unreached == report.unreached)
    }

    @Test func cancellingStopsNewMessagesAndLeavesQueuedOnesAlone() async throws {
        let h = try await CampaignHarness(pacing: CampaignPacing(batchSize: 10, maxInFlight: 3))
        var phones: [SimulatedPhone] = []
        for index in 0..<30 { phones.append(try await h.customer(index, tags: ["vip"]).0) }
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "Cancel me", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        let audience = phones
        try await h.runAll(until: { audience.reduce(0) { $0 + $1.inbox.count } >= 6 })
        let cancelled = try await h.campaigns.cancel(campaign.id, by: h.adminPrincipal)
        #expect(cancelled.status == .cancelled)
        let created = try await h.messages(of: campaign.id).count
        try await h.runAll()
        let delivered = phones.reduce(0) { $0 + $1.inbox.count }
        #expect(delivered == created && created < 30)
        #expect(try await h.messages(of: campaign.id).count == created)
        let report = try await h.campaigns.report(campaign.id, by: h.adminPrincipal)
        #expect(report.status == .cancelled && report.progress.sent == created && report.unreached == 30 - created)
        #expect(try await h.jobs().allSatisfy { $0.state.isFinal })
        #expect(try await h.campaign(campaign.id).progress.sent == created, "the final counters were stored")
        #expect(!h.webhooks.events.contains { $0.type == .campaignCompleted })
        await expectWAError(.campaignInvalidState) { try await h.campaigns.resume(campaign.id, by: h.adminPrincipal) }
    }

    @Test func bulkSendIsAOneShotCampaign() async throws {
        let h = try await CampaignHarness()
        let (known, knownContact) = try await h.customer(1, name: "Ada Lovelace")
        let stranger = h.network.addPhone(try PhoneNumber("+49 171 5550000"), name: "Stranger")
        let (optedOut, optedOutContact) = try await h.customer(2)
        _ = try await ContactService(environment: h.env).setOptedOut(true, optedOutContact.id, by: h.adminPrincipal)
        let campaign = try await h.campaigns.bulkSend(
            instance: h.instance.id, content: .text("Hi {{first_name}}, your code is {{code}}"),
            to: [
                .contact(knownContact.id, variables: ["code": "A1"]),
                .phone(stranger.number, variables: ["code": "B2"]),
                .phone(known.number, variables: ["code": "dup"]),
                .contact(optedOutContact.id, variables: ["code": "C3"]),
            ],
            by: h.adminPrincipal)
        #expect(campaign.status == .running && campaign.name.hasPrefix("Bulk send "))
        #expect(campaign.progress.total == 3 && campaign.progress.skipped == 1)
        try await h.runAll()
        #expect(known.inbox.map(\.body) == ["Hi Ada, your code is A1"])
        #expect(stranger.inbox.map(\.body) == ["Hi , your code is B2"])
        #expect(optedOut.inbox.isEmpty)
        let final = try await h.campaign(campaign.id)
        #expect(final.status == .completed && final.progress.sent == 2)
        let templates = try await TemplateService(environment: h.env).list(by: h.adminPrincipal).items
        #expect(templates.contains { $0.id == final.templateID && $0.name == "Bulk send \(campaign.id)" })
        // The stranger became a contact.
        let org = h.organization.id
        let strangerContact = try await h.env.store.transaction(.organization(org)) {
            try await $0.contacts.find(phone: stranger.number, in: org)
        }
        #expect(strangerContact != nil)

        // A recipient without a value for a custom variable is refused up front, naming it.
        let missing = await expectWAError(.templateVariableMissing) {
            try await h.campaigns.bulkSend(
                instance: h.instance.id, content: .text("Code {{code}}"),
                to: [.contact(knownContact.id, variables: ["code": "x"]), .phone(stranger.number)],
                by: h.adminPrincipal)
        }
        #expect(missing?.field == "recipients[1].variables")
    }

    @Test func aDeletedInstanceFailsTheCampaign() async throws {
        let h = try await CampaignHarness()
        for index in 0..<3 { try await h.customer(index, tags: ["vip"]) }
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "Doomed", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        let org = h.organization.id
        try await h.env.store.transaction(.organization(org)) { try await $0.instances.delete(h.instance.id, in: org) }
        _ = try await h.worker.runOnce(worker: "w")
        let failed = try await h.campaign(campaign.id)
        #expect(failed.status == .failed)
        #expect(try await h.auditActions().contains("campaign.failed"))
    }

    @Test func aScheduledCampaignWaitsForItsStartTime() async throws {
        let h = try await CampaignHarness()
        let (phone, _) = try await h.customer(0, tags: ["vip"])
        let template = try await h.template("Hi {{name}}")
        let startAt = h.clock.now().addingTimeInterval(2 * 3_600)
        let campaign = try await h.campaigns.create(
            name: "Later", instance: h.instance.id, template: template.id, audience: .tags(["vip"]),
            schedule: Campaign.Schedule(startAt: startAt), by: h.adminPrincipal)
        let scheduled = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        #expect(scheduled.status == .scheduled)
        // Still scheduled: only the name and the schedule may change.
        let renamed = try await h.campaigns.update(campaign.id, name: "Later on", by: h.adminPrincipal)
        #expect(renamed.name == "Later on")
        await expectWAError(.campaignInvalidState) {
            try await h.campaigns.update(campaign.id, audience: .tags(["other"]), by: h.adminPrincipal)
        }
        try await h.runAll()
        let sent = try #require(try await h.sendTimes(of: campaign.id).first)
        #expect(sent >= startAt && phone.inbox.count == 1)
        #expect(try await h.auditActions().contains("campaign.running"))
        #expect(try await h.campaign(campaign.id).status == .completed)
    }
}
