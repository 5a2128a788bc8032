import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Risk integration")
struct RiskIntegrationTests {
    @Test func anUnreadableStoredMonitorStatePausesAndAlertsInsteadOfStartingCalm() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env, webhooks: h.webhooks)
        let org = h.organization.id
        let throttled = RiskState(score: 35, throttleFactor: 0.5, updatedAt: h.clock.now())
        try await h.env.store.transaction(.organization(org)) { tx in
            _ = try await tx.instances.modify(h.instance.id, in: org) { $0.risk = throttled }
            _ = try await tx.riskMonitors.insert(
                RiskMonitorRecord(
                    instanceID: h.instance.id, organizationID: org, state: Array(#"{"not":"a monitor"}"#.utf8),
                    updatedAt: h.clock.now()))
        }
        let actions = try await risk.record(.messageReceived(from: "4930123456"), instance: h.instance.id, in: org)
        let pausedUntil = h.clock.now().addingTimeInterval(3_600)
        #expect(actions.contains(.pause(until: pausedUntil)))
        let (instance, alerts) = try await h.env.store.transaction(.organization(org)) { tx in
            (try await tx.instances.get(h.instance.id, in: org), try await tx.riskAlerts.list(in: org, page: .all).items)
        }
        #expect(instance.risk.pausedUntil == pausedUntil)
        #expect(instance.risk.throttleFactor == 0.5 && instance.risk.score > 30, "the stored summary is kept")
        let alert = try #require(alerts.first { $0.rules == ["risk_state_unreadable"] })
        #expect(alert.severity == .critical)
        #expect(h.webhooks.events.contains { $0.type == .riskAlert })
        // The replacement state is readable again: the next signal does not raise a second alert.
        _ = try await risk.record(.messageReceived(from: "4930123456"), instance: h.instance.id, in: org)
        let after = try await h.env.store.transaction(.organization(org)) { try await $0.riskAlerts.list(in: org, page: .all).items }
        #expect(after.count == alerts.count)
        #expect(try await h.env.store.transaction(.organization(org)) { try await $0.instances.get(h.instance.id, in: org) }
            .risk.pausedUntil == pausedUntil)
    }

    @Test(arguments: [true, false])
    func onlyWhatsAppsFailuresCountAgainstTheAccount(local: Bool) async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env, webhooks: h.webhooks)
        let dispatcher = MessageDispatcher(environment: h.env, sessions: h.directory, webhooks: h.webhooks, risk: risk)
        // Three failed attempts, then the send goes through: from a crashed browser (local) or from WhatsApp.
        h.shop.updateFaults { faults in
            if local { faults.failNextSendsLocally = 3 } else { faults.failNextSends = 3 }
        }
        let message = try await h.send("Your order shipped", to: try h.phone("3000001"))
        try await h.clock.run {
            while try await dispatcher.runOnce(worker: "risk") > 0 {}
            while true {
                let waiting = try await h.jobs().filter { $0.state == .available }
                guard let next = waiting.map(\.scheduledAt).min() else { return }
                h.clock.set(max(next, h.clock.now()))
                while try await dispatcher.runOnce(worker: "risk") > 0 {}
            }
        }
        #expect([.sent, .delivered, .read].contains(try await h.message(message.id).status))
        let org = h.organization.id
        let record = try await h.env.store.transaction(.organization(org)) {
            try await $0.riskMonitors.find(h.instance.id.retyped(), in: org)
        }
        let monitor = try JSONDecoder().decode(RiskMonitor.self, from: Data(try #require(record).state))
        if local {
            #expect(monitor.score(at: h.clock.now()) == 0, "a crashed browser was charged to the account")
        } else {
            #expect(monitor.score(at: h.clock.now()) > 0, "WhatsApp's refusals were not charged to the account")
        }
    }

    @Test func identicalTextToManyRecipientsThrottlesAndAlerts() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env, webhooks: h.webhooks)
        let dispatcher = MessageDispatcher(environment: h.env, sessions: h.directory, webhooks: h.webhooks, risk: risk)
        for i in 0..<10 {
            _ = try await h.send("Same promo for everyone!", to: try h.phone(String(3_000_000 + i)))
        }
        try await h.clock.run {
            while try await dispatcher.runOnce(worker: "risk") > 0 {}
            while true {
                let waiting = try await h.jobs().filter { $0.state == .available }
                guard let next = waiting.map(\.scheduledAt).min() else { return }
                h.clock.set(max(next, h.clock.now()))
                while try await dispatcher.runOnce(worker: "risk") > 0 {}
            }
        }
        let org = h.organization.id
        let (instance, alerts, monitor) = try await h.env.store.transaction(.organization(org)) { tx in
            (
                try await tx.instances.get(h.instance.id, in: org), try await tx.riskAlerts.list(in: org, page: .all).items,
                try await tx.riskMonitors.find(h.instance.id.retyped(), in: org)
            )
        }
        #expect(instance.risk.throttleFactor < 1, "the burst slowed the instance down")
        // The monitor's state is its own record, bigger than the instance row it no longer weighs down.
        let state = try #require(monitor?.state)
        #expect(try JSONDecoder().decode(RiskMonitor.self, from: Data(state)).riskState(at: h.clock.now()).throttleFactor < 1)
        #expect(state.count > (try JSONEncoder().encode(instance)).count)
        #expect(alerts.contains { $0.rules.contains("identical_text_burst") })
        let event = try #require(h.webhooks.events.first { $0.type == .riskAlert })
        // The documented shape, the same as the supervisor's terminal-disconnect alerts.
        for key in ["alert_id", "level", "reason", "rules", "evidence", "score", "actions_taken"] {
            #expect(event.data[key] != nil, "risk.alert has data.\(key)")
        }
        #expect(try await h.auditActions().contains("risk.alert_raised"))

        // People read the alerts: an agent only those of their instances; a manager acknowledges them.
        let team = TeamService(environment: h.env)
        func join(_ email: String, _ role: Role) async throws -> Member {
            let (_, invitation) = try await team.invite(email: email, displayName: email, role: role, by: .acting(as: h.admin))
            return try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
        }
        let manager = try await join("max@example.com", .manager)
        let agent = try await join("bo@example.com", .agent)
        let listed = try await risk.alerts(by: .acting(as: manager)).items
        #expect(Set(listed.map(\.id)) == Set(alerts.map(\.id)))
        #expect(try await risk.alerts(by: .acting(as: agent)).items.isEmpty, "not assigned to the instance")
        let assigned = try await team.assign(instances: [h.instance.id], to: agent.id, by: .acting(as: h.admin))
        #expect(try await risk.alerts(by: .acting(as: assigned)).items.count == alerts.count)
        let first = try #require(alerts.first)
        await expectWAError(.permissionDenied) { try await risk.acknowledge(first.id, by: .acting(as: assigned)) }
        let acknowledged = try await risk.acknowledge(first.id, by: .acting(as: manager))
        #expect(acknowledged.acknowledgedAt == h.clock.now() && acknowledged.acknowledgedBy == manager.id)
        let open = try await risk.alerts(on: h.instance.id, unacknowledgedOnly: true, by: .acting(as: manager)).items
        #expect(open.count == alerts.count - 1 && !open.contains { $0.id == first.id })
        #expect(try await h.auditActions().contains("risk.alert_acknowledged"))
    }

    @Test func theReportShowsScoreLevelAndDecisionsToThoseWhoMayReadIt() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env, webhooks: h.webhooks)
        let org = h.organization.id
        let admin = Principal.acting(as: h.admin)
        let calm = try await risk.report(for: h.instance.id, by: admin)
        #expect(calm.level == .normal && calm.score == 0 && calm.throttleFactor == 1 && calm.maySend)
        #expect(calm.activeRules.isEmpty && calm.updatedAt == nil)

        for i in 0..<10 {
            _ = try await risk.record(
                .messageSent(recipient: "49170\(3_000_000 + i)", recipientIsContact: true, text: "Same promo!"),
                instance: h.instance.id, in: org)
        }
        let throttled = try await risk.report(for: h.instance.id, by: admin)
        #expect(throttled.level == .warning && throttled.throttleFactor < 1 && throttled.score > 0)
        #expect(throttled.activeRules.contains("identical_text_burst") && throttled.unansweredStreak == 10)
        #expect(throttled.updatedAt == h.clock.now())

        _ = try await risk.record(.temporaryBan(code: 104, expiresAt: nil), instance: h.instance.id, in: org)
        let paused = try await risk.report(for: h.instance.id, by: admin)
        #expect(paused.level == .critical && !paused.maySend && paused.pausedUntil != nil)

        // An agent reads only assigned instances; another organization finds nothing.
        let team = TeamService(environment: h.env)
        let (_, invitation) = try await team.invite(email: "bo@example.com", displayName: "Bo", role: .agent, by: admin)
        let agent = try await team.acceptInvitation(token: invitation.reveal(), password: "a different passphrase 99")
        await expectWAError(.permissionDenied) { try await risk.report(for: h.instance.id, by: .acting(as: agent)) }
        let (_, stranger) = try await team.createOrganization(
            name: "Other", slug: "other", plan: .pro, adminEmail: "eve@example.com", adminName: "Eve",
            adminPassword: "correct horse battery staple")
        await expectWAError(.notFound) { try await risk.report(for: h.instance.id, by: .acting(as: stranger)) }
    }

    @Test func aPausedInstanceHoldsItsSendsUntilThePauseEnds() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env, webhooks: h.webhooks)
        for reporter in ["a", "b"] {
            try await risk.record(.blocked(by: reporter), instance: h.instance.id, in: h.organization.id)
        }
        let org = h.organization.id
        let paused = try await h.env.store.transaction(.organization(org)) { try await $0.instances.get(h.instance.id, in: org) }
        let until = try #require(paused.risk.pausedUntil)
        #expect(until > h.clock.now())

        let ada = try h.phone("1234567")
        let queued = try await h.send("Held back", to: ada)
        try await h.clock.run { _ = try await h.dispatcher.runOnce(worker: "w") }
        let held = try await h.message(queued.id)
        #expect(ada.inbox.isEmpty && held.status == .queued)
        try await h.dispatchAll()
        #expect(ada.inbox.count == 1)
        #expect(try #require(try await h.message(queued.id).timestamps.sentAt) >= until)
    }

    @Test func groupChatterDoesNotEndTheUnansweredStreakButAReplyDoes() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env)
        let handler = MessageEventHandler(environment: h.env, risk: risk)
        let org = h.organization.id
        let admin = Principal.acting(as: h.admin)
        for i in 0..<3 {
            _ = try await risk.record(
                .messageSent(recipient: "49170\(3_000_000 + i)", recipientIsContact: false, text: "Offer \(i)"),
                instance: h.instance.id, in: org)
        }
        let ada = try JID(parsing: "491703000000@c.us")
        let group = try JID(parsing: "120363012345678901@g.us")
        let chatter = IncomingMessage(
            whatsappID: "false_\(group)_G1_\(ada)", chat: group, sender: ada, kind: .text, body: "Morning all",
            timestamp: h.clock.now())
        await handler.handle(.messageReceived(chatter), from: h.instance)
        #expect(try await risk.report(for: h.instance.id, by: admin).unansweredStreak == 3)
        let reply = IncomingMessage(
            whatsappID: "false_\(ada)_R1", chat: ada, sender: ada, kind: .text, body: "Thanks!", timestamp: h.clock.now())
        await handler.handle(.messageReceived(reply), from: h.instance)
        #expect(try await risk.report(for: h.instance.id, by: admin).unansweredStreak == 0)
    }

    @Test func repliesAndTransientDisconnectsReachTheMonitor() async throws {
        let h = try await MessagingHarness()
        let risk = RiskService(environment: h.env)
        let handler = MessageEventHandler(environment: h.env, risk: risk)
        let lid = try JID(parsing: "123456789012345@lid")
        let incoming = IncomingMessage(
            whatsappID: "false_x_1", chat: lid, sender: lid, kind: .text, body: "hi", timestamp: h.clock.now())
        await handler.handle(.messageReceived(incoming), from: h.instance)
        for _ in 0..<5 { await handler.handle(.disconnected(.connectionLost), from: h.instance) }
        let org = h.organization.id
        let alerts = try await h.env.store.transaction(.organization(org)) { try await $0.riskAlerts.list(in: org, page: .all).items }
        #expect(alerts.contains { $0.rules.contains("disconnect_flapping") })
    }
}
