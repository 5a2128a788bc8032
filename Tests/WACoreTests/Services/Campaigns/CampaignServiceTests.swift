import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Campaign service")
struct CampaignServiceTests {
    @Test func invalidInputIsRejectedWithTypedErrors() async throws {
        let h = try await CampaignHarness()
        let (_, contact) = try await h.customer(0, tags: ["vip"])
        let good = try await h.template("Hi {{name}}")
        let unfillable = try await h.template("Hi {{name}}, your code is {{code}}", name: "code")
        func create(
            name: String = "C", instance: InstanceID? = nil, template: TemplateID? = nil,
            audience: Campaign.Audience = .tags(["vip"]), schedule: Campaign.Schedule = .init()
        ) async throws -> Campaign {
            try await h.campaigns.create(
                name: name, instance: instance ?? h.instance.id, template: template ?? good.id, audience: audience,
                schedule: schedule, by: h.adminPrincipal)
        }
        let cases: [(String, () async throws -> Campaign, WAError.Code, String?)] = [
            ("unfillable variable", { try await create(template: unfillable.id) }, .templateVariableMissing, "template_id"),
            ("unknown template", { try await create(template: h.env.ids.make()) }, .notFound, "template_id"),
            ("unknown instance", { try await create(instance: h.env.ids.make()) }, .notFound, "instance_id"),
            ("blank name", { try await create(name: "  ") }, .invalidArgument, "name"),
            ("no tags", { try await create(audience: .tags([])) }, .invalidArgument, "audience.tags"),
            ("unknown segment", { try await create(audience: .segment("vips")) }, .invalidArgument, "audience.segment"),
            ("opted-out segment", { try await create(audience: .segment("opted_out")) }, .invalidArgument, "audience.segment"),
            ("empty list", { try await create(audience: .contacts([])) }, .invalidArgument, "audience.contacts"),
            ("unknown contact", { try await create(audience: .contacts([contact.id, h.env.ids.make()])) }, .notFound, "audience.contacts[1]"),
            ("unknown zone", { try await create(schedule: .init(timeZone: "Mars/Olympus_Mons")) }, .invalidArgument, "schedule.time_zone"),
            ("hour 24", { try await create(schedule: .init(quietHours: .init(startHour: 22, endHour: 24))) }, .invalidArgument, "schedule.quiet_hours"),
            ("empty window", { try await create(schedule: .init(quietHours: .init(startHour: 7, endHour: 7))) }, .invalidArgument, "schedule.quiet_hours"),
        ]
        for (label, attempt, code, field) in cases {
            let error = await expectWAError(code, "\(label)") { _ = try await attempt() }
            #expect(error?.field == field, "\(label): \(String(describing: error))")
        }
        #expect(try await h.campaigns.list(by: h.adminPrincipal).items.isEmpty)
        #expect(!(try await h.auditActions()).contains("campaign.created"))
    }

    @Test func aTemplateChangedAfterCreationIsCheckedAgainAtStart() async throws {
        let h = try await CampaignHarness()
        try await h.customer(0, tags: ["vip"])
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "C", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        _ = try await TemplateService(environment: h.env).update(
            template.id, body: "Hi {{name}}, use {{coupon}}", by: h.adminPrincipal)
        await expectWAError(.templateVariableMissing) { try await h.campaigns.start(campaign.id, by: h.adminPrincipal) }
        #expect(try await h.campaign(campaign.id).status == .draft)
        #expect(try await h.jobs().isEmpty)
    }

    @Test func anAudienceOfNobodyReachableCannotStart() async throws {
        let h = try await CampaignHarness()
        let (_, contact) = try await h.customer(0, tags: ["vip"])
        _ = try await ContactService(environment: h.env).setOptedOut(true, contact.id, by: h.adminPrincipal)
        let template = try await h.template("Hi {{name}}")
        for audience: Campaign.Audience in [.tags(["vip"]), .tags(["nobody-has-this"])] {
            let campaign = try await h.campaigns.create(
                name: "C", instance: h.instance.id, template: template.id, audience: audience, by: h.adminPrincipal)
            await expectWAError(.campaignAudienceEmpty) { try await h.campaigns.start(campaign.id, by: h.adminPrincipal) }
        }
    }

    @Test func statusChangesFollowTheLifecycle() async throws {
        let h = try await CampaignHarness()
        try await h.customer(0, tags: ["vip"])
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "C", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        for attempt in [h.campaigns.pause, h.campaigns.resume] {
            await expectWAError(.campaignInvalidState) { try await attempt(campaign.id, h.adminPrincipal) }
        }
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        await expectWAError(.campaignInvalidState) { try await h.campaigns.start(campaign.id, by: h.adminPrincipal) }
        await expectWAError(.campaignInvalidState) {
            try await h.campaigns.update(campaign.id, name: "New", by: h.adminPrincipal)
        }
        await expectWAError(.campaignInvalidState) { try await h.campaigns.delete(campaign.id, by: h.adminPrincipal) }
        // Starting twice never duplicates the waves.
        #expect(try await h.jobs(queue: CampaignService.waveQueue).count == 1)
        _ = try await h.campaigns.cancel(campaign.id, by: h.adminPrincipal)
        try await h.campaigns.delete(campaign.id, by: h.adminPrincipal)
        await expectWAError(.notFound) { try await h.campaign(campaign.id) }
        let actions = try await h.auditActions()
        for action in ["campaign.created", "campaign.started", "campaign.cancelled", "campaign.deleted"] {
            #expect(actions.contains(action), "\(action)")
        }
    }

    @Test func draftsCanChangeEverything() async throws {
        let h = try await CampaignHarness()
        let (_, contact) = try await h.customer(0, tags: ["vip"])
        let first = try await h.template("Hi {{name}}")
        let second = try await h.template("Hello {{first_name}}", name: "second")
        let campaign = try await h.campaigns.create(
            name: "C", instance: h.instance.id, template: first.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        let updated = try await h.campaigns.update(
            campaign.id, name: "D", template: second.id, audience: .contacts([contact.id, contact.id]),
            schedule: .init(quietHours: .init(startHour: 22, endHour: 6), timeZone: "Europe/Berlin"),
            by: h.adminPrincipal)
        #expect(updated.name == "D" && updated.templateID == second.id && updated.audience == .contacts([contact.id]))
        #expect(updated.schedule.timeZone == "Europe/Berlin")
        #expect(try await h.auditActions().contains("campaign.updated"))
    }

    @Test func segmentAudiencesUseEngagement() async throws {
        let h = try await CampaignHarness()
        let (activePhone, active) = try await h.customer(0)
        let (quietPhone, _) = try await h.customer(1)
        let org = h.organization.id
        let now = h.clock.now()
        _ = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.contacts.modify(active.id, in: org) { $0.lastInboundAt = now.addingTimeInterval(-3_600) }
        }
        let template = try await h.template("Thanks for writing, {{name}}")
        let campaign = try await h.campaigns.create(
            name: "Active", instance: h.instance.id, template: template.id, audience: .segment("active"),
            by: h.adminPrincipal)
        let started = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        #expect(started.progress.total == 1)
        try await h.runAll()
        #expect(activePhone.inbox.count == 1 && quietPhone.inbox.isEmpty)
    }

    @Test func repliesAreCountedInTheReport() async throws {
        let h = try await CampaignHarness()
        let (chatty, _) = try await h.customer(0, tags: ["vip"])
        let (silent, _) = try await h.customer(1, tags: ["vip"])
        chatty.setReplyScript(.echo(prefix: "Re: ", delay: .seconds(30)))
        let template = try await h.template("Hi {{name}}")
        let campaign = try await h.campaigns.create(
            name: "C", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        _ = try await h.campaigns.start(campaign.id, by: h.adminPrincipal)
        try await h.runAll()
        // Let the reply travel and be stored.
        let report = try await h.clock.waitFor("the reply to be counted", advancing: true) {
            let report = try await h.campaigns.report(campaign.id, by: h.adminPrincipal)
            return report.progress.replied > 0 ? report : nil
        }
        #expect(report.progress.replied == 1 && report.funnel[.replied].count == 1)
        #expect(chatty.inbox.count == 1 && silent.inbox.count == 1)
    }

    /// viewer reads; agent cannot manage or run; manager does both; other organizations see nothing.
    /// Issue #9, item 2: campaign figures follow one rule with ``AnalyticsService/campaignReport(_:by:)``: an
    /// agent sees a campaign (and its progress and report) only when it sends from an instance assigned to them.
    @Test func agentsSeeOnlyTheFiguresOfTheirInstancesCampaigns() async throws {
        let h = try await CampaignHarness()
        try await h.customer(0, tags: ["vip"])
        let template = try await h.template("Hi {{name}}")
        let org = h.organization.id
        let other = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.instances.insert(
                Instance(id: h.env.ids.make(), organizationID: org, name: "other", createdAt: h.clock.now())
                    .restored(status: .ready))
        }
        let team = TeamService(environment: h.env)
        let agentMember = try await h.member(.agent, email: "arno@example.com")
        let agent = Principal.acting(as:
            try await team.assign(instances: [h.instance.id], to: agentMember.id, by: h.adminPrincipal))
        let theirs = try await h.campaigns.create(
            name: "Theirs", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        let foreign = try await h.campaigns.create(
            name: "Foreign", instance: other.id, template: template.id, audience: .tags(["vip"]), by: h.adminPrincipal)
        let analytics = AnalyticsService(environment: h.env)

        // The campaign of their own instance: every read answers.
        _ = try await h.campaigns.get(theirs.id, by: agent)
        _ = try await h.campaigns.progress(theirs.id, by: agent)
        _ = try await h.campaigns.report(theirs.id, by: agent)
        _ = try await analytics.campaignReport(theirs.id, by: agent)
        // The other instance's campaign: refused exactly as the analytics report refuses it.
        await expectWAError(.permissionDenied) { try await analytics.campaignReport(foreign.id, by: agent) }
        await expectWAError(.permissionDenied) { try await h.campaigns.progress(foreign.id, by: agent) }
        await expectWAError(.permissionDenied) { try await h.campaigns.report(foreign.id, by: agent) }
        await expectWAError(.permissionDenied) { try await h.campaigns.get(foreign.id, by: agent) }
        #expect(try await h.campaigns.list(by: agent).items.map(\.id) == [theirs.id])
        #expect(try await h.campaigns.list(by: agent, where: .init(instanceID: other.id)).items.isEmpty)
        // Viewers are not limited to assigned instances.
        let viewer = Principal.acting(as: try await h.member(.viewer, email: "vera@example.com"))
        _ = try await h.campaigns.report(foreign.id, by: viewer)
        #expect(try await h.campaigns.list(by: viewer).items.count == 2)
    }

    @Test func permissions() async throws {
        let h = try await CampaignHarness()
        try await h.customer(0, tags: ["vip"])
        let template = try await h.template("Hi {{name}}")
        let viewer = Principal.acting(as: try await h.member(.viewer, email: "vera@example.com"))
        let agent = Principal.acting(as: try await h.member(.agent, email: "arno@example.com"))
        let manager = Principal.acting(as: try await h.member(.manager, email: "mia@example.com"))
        let stranger = Principal.acting(as: try await h.otherOrganization())
        let campaign = try await h.campaigns.create(
            name: "C", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: manager)

        func outcome(_ body: () async throws -> Void) async -> WAError.Code? {
            do {
                try await body()
                return nil
            } catch let error as WAError {
                return error.code
            } catch {
                return .internalError
            }
        }
        let create = { (p: Principal) in
            _ = try await h.campaigns.create(
                name: "X", instance: h.instance.id, template: template.id, audience: .tags(["vip"]), by: p)
        }
        let table: [(String, Principal, () async throws -> Void, WAError.Code?)] = [
            ("viewer get", viewer, { _ = try await h.campaigns.get(campaign.id, by: viewer) }, nil),
            ("viewer list", viewer, { _ = try await h.campaigns.list(by: viewer) }, nil),
            ("viewer progress", viewer, { _ = try await h.campaigns.progress(campaign.id, by: viewer) }, nil),
            ("viewer report", viewer, { _ = try await h.campaigns.report(campaign.id, by: viewer) }, nil),
            ("viewer create", viewer, { try await create(viewer) }, .permissionDenied),
            ("agent create", agent, { try await create(agent) }, .permissionDenied),
            ("agent update", agent, { _ = try await h.campaigns.update(campaign.id, name: "Y", by: agent) }, .permissionDenied),
            ("agent start", agent, { _ = try await h.campaigns.start(campaign.id, by: agent) }, .permissionDenied),
            ("agent bulk", agent, {
                _ = try await h.campaigns.bulkSend(
                    instance: h.instance.id, content: .text("x"), to: [.phone(h.shop.number)], by: agent)
            }, .permissionDenied),
            ("viewer pause", viewer, { _ = try await h.campaigns.pause(campaign.id, by: viewer) }, .permissionDenied),
            ("stranger get", stranger, { _ = try await h.campaigns.get(campaign.id, by: stranger) }, .notFound),
            ("stranger start", stranger, { _ = try await h.campaigns.start(campaign.id, by: stranger) }, .notFound),
            ("stranger cancel", stranger, { _ = try await h.campaigns.cancel(campaign.id, by: stranger) }, .notFound),
            ("stranger progress", stranger, { _ = try await h.campaigns.progress(campaign.id, by: stranger) }, .notFound),
            ("stranger create", stranger, { try await create(stranger) }, .notFound),
            ("manager start", manager, { _ = try await h.campaigns.start(campaign.id, by: manager) }, nil),
            ("manager pause", manager, { _ = try await h.campaigns.pause(campaign.id, by: manager) }, nil),
        ]
        for (label, _, body, expected) in table {
            let code = await outcome(body)
            #expect(code == expected, "\(label): \(String(describing: code))")
        }
        #expect(try await h.campaigns.list(by: stranger).items.isEmpty)
    }
}
