import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Campaign policies")
struct CampaignPolicyTests {
    @Test func lifecycleTable() {
        typealias S = Campaign.Status
        let expected: [(CampaignLifecycle.Event, S, S?)] = [
            (.start(immediately: true), .draft, .running),
            (.start(immediately: false), .draft, .scheduled),
            (.start(immediately: true), .running, nil),
            (.beginSending, .scheduled, .running),
            (.beginSending, .paused, nil),
            (.pause, .running, .paused),
            (.pause, .scheduled, .paused),
            (.pause, .draft, nil),
            (.resume(immediately: true), .paused, .running),
            (.resume(immediately: false), .paused, .scheduled),
            (.resume(immediately: true), .running, nil),
            (.cancel, .draft, .cancelled),
            (.cancel, .paused, .cancelled),
            (.cancel, .completed, nil),
            (.complete, .running, .completed),
            (.complete, .paused, .completed),
            (.complete, .cancelled, nil),
            (.fail, .running, .failed),
            (.fail, .completed, nil),
        ]
        for (event, from, to) in expected {
            #expect(CampaignLifecycle.status(after: event, from: from) == to, "\(event) from \(from)")
        }
        for status in Campaign.Status.allCases where CampaignLifecycle.isFinal(status) {
            for event: CampaignLifecycle.Event in [.start(immediately: true), .pause, .resume(immediately: true), .cancel, .complete, .fail] {
                #expect(CampaignLifecycle.status(after: event, from: status) == nil)
            }
        }
        expectWAError(.campaignInvalidState) { try CampaignLifecycle.require(.pause, from: .draft) }
    }

    private func date(_ text: String) -> Date { RFC3339Timestamp.date(from: text)! }

    @Test func quietHoursWrapMidnightInTheCampaignsZone() throws {
        let window = try CampaignSendWindow(
            Campaign.Schedule(quietHours: .init(startHour: 21, endHour: 8), timeZone: "Europe/Berlin"))
        // 20:30 UTC is 21:30 in Berlin in winter.
        #expect(window.isQuiet(at: date("2026-01-10T20:30:00Z")))
        #expect(!window.isQuiet(at: date("2026-01-10T19:30:00Z")))
        #expect(window.nextSendTime(atOrAfter: date("2026-01-10T20:30:00Z")) == date("2026-01-11T07:00:00Z"))
        #expect(window.nextQuietStart(after: date("2026-01-10T12:00:00Z")) == date("2026-01-10T20:00:00Z"))
        // In summer Berlin is UTC+2.
        #expect(window.nextSendTime(atOrAfter: date("2026-07-10T20:30:00Z")) == date("2026-07-11T06:00:00Z"))
        #expect(window.nextSendTime(atOrAfter: date("2026-07-10T12:00:00Z")) == date("2026-07-10T12:00:00Z"))
    }

    @Test func theStartTimeComesFirst() throws {
        let start = date("2026-03-01T06:00:00Z")
        let window = try CampaignSendWindow(
            Campaign.Schedule(startAt: start, quietHours: .init(startHour: 0, endHour: 9), timeZone: "UTC"))
        #expect(window.nextSendTime(atOrAfter: date("2026-02-01T00:00:00Z")) == date("2026-03-01T09:00:00Z"))
        #expect(window.nextSendTime(atOrAfter: date("2026-03-02T10:00:00Z")) == date("2026-03-02T10:00:00Z"))
    }

    @Test func aQuietEndThatDaylightSavingSkipsEndsAtTheNextRealTime() throws {
        // On 2026-03-29 Berlin jumps from 02:00 to 03:00: a window ending at 02:00 ends at 03:00 local (01:00 UTC).
        let window = try CampaignSendWindow(
            Campaign.Schedule(quietHours: .init(startHour: 22, endHour: 2), timeZone: "Europe/Berlin"))
        let end = window.nextSendTime(atOrAfter: date("2026-03-28T23:30:00Z"))
        #expect(end == date("2026-03-29T01:00:00Z"))
        #expect(!window.isQuiet(at: end))
    }

    @Test(arguments: [
        Campaign.Schedule(timeZone: "Nowhere/Special"),
        Campaign.Schedule(quietHours: .init(startHour: -1, endHour: 5)),
        Campaign.Schedule(quietHours: .init(startHour: 3, endHour: 3)),
    ])
    func invalidSchedules(schedule: Campaign.Schedule) {
        expectWAError(.invalidArgument) { try CampaignSendWindow.validate(schedule) }
    }

    @Test func pacingFollowsTheSlowestTierAndTheQuietHours() {
        let pacing = CampaignPacing(maxInFlight: 10, jitter: 0)
        // Standard: 20/min, 100/h, 1000/day — the day is the slowest (86.4 s a message).
        #expect(pacing.sustainedSpacing(for: .standard) == .seconds(86.4))
        #expect(pacing.sustainedSpacing(for: InstanceRateLimits(perMinute: 20, perHour: 100, perDay: 5_000)) == .seconds(36))
        #expect(pacing.sustainedSpacing(for: InstanceRateLimits(perMinute: 20, perHour: 2_000, perDay: 100_000)) == .seconds(3))
        #expect(pacing.sustainedSpacing(for: .standard, throttleFactor: 0.5) == .seconds(172.8))
        let now = date("2026-01-01T12:00:00Z")
        #expect(pacing.allowance(inFlight: 4, spacing: .seconds(36), now: now, quietStart: nil) == 6)
        #expect(pacing.allowance(inFlight: 12, spacing: .seconds(36), now: now, quietStart: nil) == 0)
        // Five minutes before the quiet hours at 36 s a send: 8 fit, 3 are already waiting.
        #expect(pacing.allowance(inFlight: 3, spacing: .seconds(36), now: now, quietStart: now.addingTimeInterval(300)) == 5)
        let random = SeededRandomSource(seed: 3)
        #expect(pacing.nextCheck(after: now, inFlight: 10, spacing: .seconds(36), random: random) == now.addingTimeInterval(180))
        #expect(pacing.nextCheck(after: now, inFlight: 0, spacing: .seconds(36), random: random) == now.addingTimeInterval(5))
        let jittered = CampaignPacing(jitter: 0.2)
        for _ in 0..<100 {
            let wait = jittered.jittered(.seconds(100), random: random)
            #expect(wait >= .seconds(80) && wait <= .seconds(120))
        }
    }

    @Test func waveDecisions() throws {
        let pacing = CampaignPacing(maxInFlight: 10, pausedCheckInterval: .seconds(60), jitter: 0)
        let random = SeededRandomSource(seed: 1)
        let now = date("2026-01-01T12:00:00Z")
        let open = try CampaignSendWindow(Campaign.Schedule())
        func decide(_ status: Campaign.Status?, _ window: CampaignSendWindow = open, inFlight: Int = 0) -> CampaignWaveDecision {
            CampaignWaveDecision.decide(
                status: status, window: window, now: now, inFlight: inFlight, spacing: .seconds(36), pacing: pacing, random: random)
        }
        #expect(decide(nil) == .stop)
        #expect(decide(.cancelled) == .stop)
        #expect(decide(.draft) == .stop)
        #expect(decide(.paused) == .wait(until: now.addingTimeInterval(60)))
        #expect(decide(.running) == .send(count: 10, beginSending: false))
        #expect(decide(.scheduled, inFlight: 4) == .send(count: 6, beginSending: true))
        #expect(decide(.running, inFlight: 10) == .wait(until: now.addingTimeInterval(180)))
        let later = try CampaignSendWindow(Campaign.Schedule(startAt: now.addingTimeInterval(600)))
        #expect(decide(.scheduled, later) == .wait(until: now.addingTimeInterval(600)))
        let quiet = try CampaignSendWindow(Campaign.Schedule(quietHours: .init(startHour: 12, endHour: 13)))
        #expect(decide(.running, quiet) == .wait(until: date("2026-01-01T13:00:00Z")))
        // Quiet from 12:01 would begin before even one more message: wait until it ends.
        let soon = try CampaignSendWindow(
            Campaign.Schedule(quietHours: .init(startHour: 12, endHour: 14), timeZone: "Asia/Kolkata"))
        let kolkataNow = date("2026-01-01T06:29:50Z")  // 11:59:50 in Kolkata
        let decision = CampaignWaveDecision.decide(
            status: .running, window: soon, now: kolkataNow, inFlight: 0, spacing: .seconds(36), pacing: pacing, random: random)
        #expect(decision == .wait(until: date("2026-01-01T08:30:00Z")))
    }

    @Test func variables() throws {
        let contact = Contact(
            id: Identifier(high: 1, low: 1), organizationID: Identifier(high: 1, low: 2),
            phone: try PhoneNumber("+49 170 1234567"), name: " Ada  Lovelace ", createdAt: Date(timeIntervalSince1970: 0))
        #expect(CampaignVariables.values(for: contact) == ["name": "Ada  Lovelace", "first_name": "Ada", "phone": "+491701234567"])
        let template = Template(
            id: Identifier(high: 1, low: 3), organizationID: contact.organizationID, name: "t",
            body: "{{first_name}} {{code}}", createdAt: Date(timeIntervalSince1970: 0))
        #expect(CampaignVariables.missing(in: template) == ["code"])
        #expect(CampaignVariables.missing(in: template, provided: ["code"]).isEmpty)
        expectWAError(.templateVariableMissing) { try CampaignVariables.requireCovered(template) }
        #expect(CampaignWaveWorker.idempotencyKey(Identifier(high: 0, low: 1), contact.id).hasPrefix("campaign:"))
    }
}
