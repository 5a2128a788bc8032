import Foundation
import Testing
import WACore
import WACoreTesting

/// A new account's warm-up: when it starts, where it is configured, and where it shows.
@Suite("Warm-up of new accounts")
struct WarmUpTests {
    @Test func theLinkStartsTheWarmUpAndTheStatusShowsTheLimitsInForce() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let created = try await h.service.create(name: "fresh", by: admin)
        #expect(created.linkedAt == nil)
        h.clock.advance(by: .seconds(3 * 86_400))  // created long before it is linked
        let linked = try await h.linkedInstance(org: org, admin: admin, name: "linked")
        #expect(linked.linkedAt == h.clock.now())
        // Day 0 of the plan's curve: 15 % of 20/100/1000.
        let day0 = try await h.service.status(linked.id, by: admin).sendLimits
        #expect(day0.accountAgeDays == 0 && day0.warmUpFraction == 0.15 && day0.throttleFactor == 1)
        #expect(day0.effective == InstanceRateLimits(perMinute: 3, perHour: 15, perDay: 150))
        // Day 7 is half-way up the linear ramp; from day 14 the configured limits apply.
        h.clock.advance(by: .seconds(7 * 86_400))
        let day7 = try await h.service.status(linked.id, by: admin).sendLimits
        #expect(day7.accountAgeDays == 7 && day7.effective == InstanceRateLimits(perMinute: 11, perHour: 57, perDay: 575))
        h.clock.advance(by: .seconds(7 * 86_400))
        #expect(try await h.service.status(linked.id, by: admin).sendLimits.effective == .standard)
        await h.supervisor.stopAll()
    }

    @Test func anInstanceReplacesThePlansCurveAndCanReturnToIt() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let linked = try await h.linkedInstance(org: org, admin: admin)
        let warm = try await h.service.update(linked.id, warmUp: .some(.disabled), by: admin)
        #expect(warm.warmUp == .disabled)
        #expect(try await h.service.status(linked.id, by: admin).sendLimits.effective == .standard)
        _ = try await h.service.update(linked.id, warmUp: .some(nil), by: admin)
        #expect(try await h.service.status(linked.id, by: admin).sendLimits.warmUpFraction == 0.15)
        await expectWAError(.invalidArgument) {
            try await h.service.update(linked.id, warmUp: .some(WarmUpCurve(initialFraction: 0)), by: admin)
        }
        // The organization's plan carries the default curve; an override of the plan's limits may change it.
        let stored = try await h.env.store.transaction(.organization(org)) { try await $0.organizations.get(org, in: org) }
        #expect(stored.limits.warmUp == WarmUpCurve())
        await h.supervisor.stopAll()
    }

    @Test func limitsStoredBeforeTheWarmUpExistedDecodeWithTheDefaultCurve() throws {
        let json = #"{"instances":1,"members":3,"messagesPerDay":1000,"mediaStorageBytes":1073741824,"webhookEndpoints":2}"#
        let limits = try JSONDecoder().decode(PlanLimits.self, from: Data(json.utf8))
        #expect(limits.warmUp == WarmUpCurve() && limits.messagesPerDay == 1_000)
    }
}
