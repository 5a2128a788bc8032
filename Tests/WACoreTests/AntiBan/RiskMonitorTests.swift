import Foundation
import Testing
import WACore

@Suite("RiskMonitor")
struct RiskMonitorTests {
    /// Aligned to 10-minute (and 1-minute) buckets so the bucketed windows are exact.
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func alerts(_ actions: [RiskAction], rule: RiskRule) -> [RiskAction] {
        actions.filter { if case .alert(_, let rules, _) = $0 { rules.contains(rule) } else { false } }
    }

    static func severity(_ actions: [RiskAction], rule: RiskRule) -> RiskAlert.Severity? {
        for case .alert(let severity, let rules, _) in actions where rules.contains(rule) { return severity }
        return nil
    }

    /// A scenario that drives one rule with `count` events and returns all actions.
    struct Scenario: Sendable, CustomTestStringConvertible {
        let rule: RiskRule
        let threshold: Int
        let severity: RiskAlert.Severity
        let run: @Sendable (inout RiskMonitor, Int) -> [RiskAction]
        var testDescription: String { rule.rawValue }
    }

    static let scenarios: [Scenario] = [
        Scenario(rule: .sendFailures, threshold: 5, severity: .warning) { monitor, count in
            (0..<count).flatMap { monitor.record(.sendFailed(recipient: "r\($0)"), at: at(Double($0) * 30)) }
        },
        Scenario(rule: .unansweredStreak, threshold: 30, severity: .warning) { monitor, count in
            (0..<count).flatMap {
                monitor.record(.messageSent(recipient: "r\($0)", recipientIsContact: true, text: nil), at: at(Double($0) * 60))
            }
        },
        Scenario(rule: .identicalTextBurst, threshold: 10, severity: .warning) { monitor, count in
            let variants = ["Big SALE today!", "big sale today!", "  big   sale\ttoday! ", "BIG SALE TODAY!"]
            return (0..<count).flatMap {
                monitor.record(
                    .messageSent(recipient: "r\($0)", recipientIsContact: true, text: variants[$0 % variants.count]),
                    at: at(Double($0) * 60))
            }
        },
        Scenario(rule: .nonContactShare, threshold: 16, severity: .warning) { monitor, count in
            // 20 messages: `count` to strangers, the rest to contacts (contacts first).
            (0..<20).flatMap { index in
                monitor.record(
                    .messageSent(recipient: "r\(index)", recipientIsContact: index < 20 - count, text: nil),
                    at: at(Double(index) * 60))
            }
        },
        Scenario(rule: .rateSpike, threshold: 30, severity: .warning) { monitor, count in
            var actions: [RiskAction] = []
            for index in 0..<count {
                let time = at(Double(index) * 10)
                actions += monitor.record(.messageSent(recipient: "r\(index)", recipientIsContact: true, text: nil), at: time)
                actions += monitor.record(.messageReceived(from: "r\(index)"), at: time.addingTimeInterval(1))
            }
            return actions
        },
        Scenario(rule: .blocksAndReports, threshold: 2, severity: .critical) { monitor, count in
            var actions: [RiskAction] = []
            for index in 0..<count {
                let signal: RiskSignal = index % 2 == 0 ? .blocked(by: "r\(index)") : .reported(by: nil)
                actions += monitor.record(signal, at: at(Double(index) * 600))
            }
            return actions
        },
        Scenario(rule: .disconnectFlapping, threshold: 5, severity: .warning) { monitor, count in
            let reasons: [DisconnectReason] = [
                .connectionLost, .timeout, .proxyFailed,
                DisconnectReason(code: "restart_required", kind: .transient, message: "restart"), .connectionLost,
            ]
            return (0..<count).flatMap { monitor.record(.disconnected(reasons[$0 % reasons.count]), at: at(Double($0) * 60)) }
        },
    ]

    @Test("each rule fires at its threshold (once) and not one below", arguments: scenarios)
    func threshold(_ scenario: Scenario) {
        var below = RiskMonitor()
        let quiet = scenario.run(&below, scenario.threshold - 1)
        #expect(Self.alerts(quiet, rule: scenario.rule).isEmpty)
        #expect(!below.activeRules.contains(scenario.rule))

        var at = RiskMonitor()
        let loud = scenario.run(&at, scenario.threshold)
        #expect(Self.alerts(loud, rule: scenario.rule).count == 1)
        #expect(Self.severity(loud, rule: scenario.rule) == scenario.severity)
        #expect(at.activeRules.contains(scenario.rule))
        // No other rule fired along the way.
        for case .alert(_, let rules, _) in loud { #expect(rules == [scenario.rule]) }

        switch scenario.severity {
        case .warning where scenario.rule != .disconnectFlapping:
            #expect(loud.contains(.throttle(0.5)))
            #expect(!quiet.contains { if case .throttle = $0 { true } else { false } })
        case .critical:
            #expect(loud.contains(.pause(until: Self.at(600).addingTimeInterval(6 * 3_600))))
        default:
            #expect(!loud.contains { if case .throttle = $0 { true } else { false } })
        }
    }

    @Test("rate spike measures against the instance's own baseline")
    func rateSpikeBaseline() {
        var policy = RiskPolicy()
        policy.rateSpikeMinimum = 2
        policy.unansweredStreakLimit = 10_000
        func monitorWithHistory() -> RiskMonitor {
            var monitor = RiskMonitor(policy: policy)
            // One message per 10 minutes over the previous day: baseline 1 per window → threshold 3.
            for k in stride(from: 143, through: 1, by: -1) {
                let actions = monitor.record(
                    .messageSent(recipient: "h\(k)", recipientIsContact: true, text: nil), at: Self.at(Double(-600 * k)))
                #expect(Self.alerts(actions, rule: .rateSpike).isEmpty)
            }
            return monitor
        }
        var two = monitorWithHistory()
        let quiet = (0..<2).flatMap {
            two.record(.messageSent(recipient: "b\($0)", recipientIsContact: true, text: nil), at: Self.at(Double($0)))
        }
        #expect(Self.alerts(quiet, rule: .rateSpike).isEmpty)
        var three = monitorWithHistory()
        let loud = (0..<3).flatMap {
            three.record(.messageSent(recipient: "b\($0)", recipientIsContact: true, text: nil), at: Self.at(Double($0)))
        }
        #expect(Self.alerts(loud, rule: .rateSpike).count == 1)
    }

    @Test("identical text counts distinct recipients only, within the window")
    func identicalTextDistinct() {
        var monitor = RiskMonitor()
        var actions: [RiskAction] = []
        for index in 0..<30 {  // 30 sends to only 5 recipients
            actions += monitor.record(
                .messageSent(recipient: "r\(index % 5)", recipientIsContact: true, text: "Promo"), at: Self.at(Double(index)))
            actions += monitor.record(.messageReceived(from: "x"), at: Self.at(Double(index)))
        }
        #expect(Self.alerts(actions, rule: .identicalTextBurst).isEmpty)
        #expect(monitor.recipientsOfText("  PROMO ", at: Self.at(60)) == 5)
        // Outside the hour the old recipients no longer count.
        #expect(monitor.recipientsOfText("promo", at: Self.at(3_700)) == 0)
    }

    @Test("a reply ends the unanswered streak and re-arms the rule")
    func replyResetsStreak() {
        var monitor = RiskMonitor()
        for index in 0..<29 {
            _ = monitor.record(.messageSent(recipient: "r\(index)", recipientIsContact: true, text: nil), at: Self.at(Double(index) * 60))
        }
        _ = monitor.record(.messageReceived(from: "r1"), at: Self.at(1_800))
        #expect(monitor.unansweredStreak == 0)
        let actions = monitor.record(.messageSent(recipient: "z", recipientIsContact: true, text: nil), at: Self.at(1_860))
        #expect(Self.alerts(actions, rule: .unansweredStreak).isEmpty)
    }

    @Test("terminal disconnects require a relink and raise a critical alert", arguments: [
        DisconnectReason.loggedOut, .banned, .conflict,
        DisconnectReason(code: "device_removed", kind: .terminal, message: "removed"),
    ])
    func terminal(reason: DisconnectReason) {
        var monitor = RiskMonitor()
        let actions = monitor.record(.disconnected(reason), at: Self.t0)
        #expect(actions.contains(.requireRelink))
        #expect(Self.severity(actions, rule: .terminalDisconnect) == .critical)
        #expect(Self.alerts(actions, rule: .highRiskScore).isEmpty)
        #expect(monitor.score(at: Self.t0) == 100)
        let stopped = !monitor.maySend(at: Self.at(86_400 * 30))
        #expect(stopped)
        // A second terminal event does not ask twice.
        let again = monitor.record(.disconnected(reason), at: Self.at(1))
        #expect(!again.contains(.requireRelink))
        monitor.relinked(at: Self.at(60))
        let resumed = monitor.maySend(at: Self.at(60))
        #expect(resumed)
        #expect(monitor.score(at: Self.at(60)) == 0)
    }

    @Test("the gateway's own failures never count against the account", arguments: [
        DisconnectReason.browserCrashed, .pageUnresponsive,
        DisconnectReason(code: "devtools_timeout", kind: .transient, message: "DevTools stopped answering", isLocal: true),
    ])
    func localFailuresAreIgnored(reason: DisconnectReason) {
        var monitor = RiskMonitor()
        var actions: [RiskAction] = []
        for minute in 0..<20 {
            actions += monitor.record(.disconnected(reason), at: Self.at(Double(minute) * 60))
        }
        #expect(actions.isEmpty)
        #expect(monitor.score(at: Self.at(20 * 60)) == 0)
        #expect(monitor.activeRules.isEmpty)
    }

    @Test("transient disconnects never require a relink", arguments: [
        DisconnectReason.connectionLost, .timeout, .browserCrashed,
    ])
    func transient(reason: DisconnectReason) {
        var monitor = RiskMonitor()
        let actions = monitor.record(.disconnected(reason), at: Self.t0)
        #expect(!actions.contains(.requireRelink))
        #expect(actions.isEmpty)
        let free = monitor.maySend(at: Self.t0)
        #expect(free)
    }

    @Test("terminal disconnects a relink cannot fix alert without asking for one", arguments: [
        "proxy_blocked", "deprecated_version",
    ])
    func terminalWithoutRelink(code: String) {
        var monitor = RiskMonitor()
        let actions = monitor.record(.disconnected(DisconnectReason(code: code, kind: .terminal, message: "x")), at: Self.t0)
        #expect(!actions.contains(.requireRelink))
        #expect(Self.severity(actions, rule: .terminalDisconnect) == .critical)
        #expect(!monitor.relinkRequired)
    }

    @Test("a temporary ban pauses until it expires, or for the default when unknown")
    func temporaryBan() {
        var monitor = RiskMonitor()
        let expiry = Self.at(7_200)
        let actions = monitor.record(.temporaryBan(code: 104, expiresAt: expiry), at: Self.t0)
        #expect(actions.contains(.pause(until: expiry)))
        #expect(Self.severity(actions, rule: .temporaryBan) == .critical)
        for case .alert(_, _, let evidence) in actions {
            #expect(evidence["code"] == "104")
            #expect(evidence["category"] == "sent_same_message_to_too_many")
        }
        let pausedBefore = !monitor.maySend(at: Self.at(7_199))
        let freeAfter = monitor.maySend(at: expiry)
        #expect(pausedBefore && freeAfter)

        var unknown = RiskMonitor()
        let defaulted = unknown.record(.temporaryBan(code: 101, expiresAt: nil), at: Self.t0)
        #expect(defaulted.contains(.pause(until: Self.at(86_400))))
        #expect(!defaulted.contains(.requireRelink))

        // The transport's "restricted" disconnect is a temporary ban of unknown length, not a relink.
        var restricted = RiskMonitor()
        let fromTransport = restricted.record(.disconnected(.restricted), at: Self.t0)
        #expect(fromTransport.contains(.pause(until: Self.at(86_400))))
        #expect(Self.severity(fromTransport, rule: .temporaryBan) == .critical)
        #expect(!fromTransport.contains(.requireRelink))
    }

    @Test("the high-score rule pauses at its threshold and not one point below")
    func highScore() {
        var policy = RiskPolicy()
        policy.disconnectPoints = 10
        policy.disconnectLimit = 100
        policy.pauseScore = 30
        policy.scoreHalfLife = .seconds(1_000_000_000)  // effectively no decay within the test
        var below = RiskMonitor(policy: policy)
        let quiet = (0..<2).flatMap { _ in below.record(.disconnected(.timeout), at: Self.t0) }
        #expect(Self.alerts(quiet, rule: .highRiskScore).isEmpty)
        var at = RiskMonitor(policy: policy)
        let loud = (0..<3).flatMap { _ in at.record(.disconnected(.timeout), at: Self.t0) }
        #expect(Self.severity(loud, rule: .highRiskScore) == .critical)
        #expect(loud.contains(.pause(until: Self.at(3_600))))
    }

    @Test("the score decays and the throttle is lifted once rules re-arm and the score is low")
    func decay() {
        var monitor = RiskMonitor()
        var actions: [RiskAction] = []
        for index in 0..<5 { actions += monitor.record(.sendFailed(recipient: nil), at: Self.at(Double(index))) }
        #expect(actions.contains(.throttle(0.5)))
        #expect(abs(monitor.score(at: Self.at(4)) - 30) < 0.01)  // 5 × 2 + 20
        // Half-life 6 h.
        #expect(abs(monitor.score(at: Self.at(4 + 21_600)) - 15) < 0.01)
        // After the window the rule re-arms, but the score (≈ 29) still holds the throttle.
        #expect(monitor.evaluate(at: Self.at(1_200)).isEmpty)
        #expect(!monitor.activeRules.contains(.sendFailures))
        #expect(monitor.throttleFactor == 0.5)
        // 30 × 0.5^(3 h / 6 h) ≈ 21.2 ≥ 20: still throttled; after 4 h ≈ 18.9 < 20: lifted.
        #expect(monitor.evaluate(at: Self.at(3 * 3_600)).isEmpty)
        #expect(monitor.evaluate(at: Self.at(4 * 3_600)) == [.throttle(1)])
        #expect(monitor.throttleFactor == 1)
        #expect(monitor.riskState(at: Self.at(4 * 3_600)).throttleFactor == 1)
    }

    @Test("throttles compound per active rule, down to the minimum")
    func compounding() {
        var monitor = RiskMonitor()
        var actions: [RiskAction] = []
        for index in 0..<5 { actions += monitor.record(.sendFailed(recipient: nil), at: Self.at(Double(index))) }
        for index in 0..<10 {
            actions += monitor.record(
                .messageSent(recipient: "r\(index)", recipientIsContact: true, text: "same"), at: Self.at(10 + Double(index)))
        }
        #expect(actions.contains(.throttle(0.5)))
        #expect(actions.contains(.throttle(0.25)))
        #expect(monitor.throttleFactor == 0.25)
    }

    @Test("memory stays bounded with endless distinct texts and recipients")
    func boundedMemory() throws {
        var monitor = RiskMonitor()
        func size() throws -> Int { try JSONEncoder().encode(monitor).count }
        for index in 0..<2_000 {
            _ = monitor.record(
                .messageSent(recipient: "r\(index)", recipientIsContact: false, text: "text \(index)"), at: Self.at(Double(index)))
        }
        let small = try size()
        for index in 2_000..<20_000 {
            _ = monitor.record(
                .messageSent(recipient: "r\(index)", recipientIsContact: false, text: "text \(index)"),
                at: Self.at(Double(index) / 10 + 200))
        }
        #expect(try size() <= small + small / 10)
        // And it round-trips.
        let decoded = try JSONDecoder().decode(RiskMonitor.self, from: JSONEncoder().encode(monitor))
        let equal = decoded == monitor
        #expect(equal)
    }

    @Test("alerts convert to RiskAlert records")
    func alertRecord() {
        var monitor = RiskMonitor()
        let actions = (0..<2).flatMap { monitor.record(.blocked(by: "r\($0)"), at: Self.t0) }
        let alert = actions.compactMap {
            $0.riskAlert(
                id: RiskAlertID(high: 0x0190_0000_0000_7000, low: 0x8000_0000_0000_0000),
                organizationID: OrganizationID(high: 1, low: 1), instanceID: InstanceID(high: 2, low: 2),
                score: monitor.score(at: Self.t0), actionsTaken: actions, createdAt: Self.t0)
        }.first
        #expect(alert?.severity == .critical)
        #expect(alert?.rules == ["blocks_reports"])
        #expect(alert?.evidence["blocks_and_reports"] == "2")
        #expect(alert?.actionsTaken.count == 1)
        #expect(alert?.actionsTaken.first?.hasPrefix("pause until 2026-01-01T06:00:00") == true)
        let state = monitor.riskState(at: Self.t0)
        #expect(state.pausedUntil == Self.at(21_600))
        #expect(abs(state.score - 70) < 0.01)
    }
}

@Suite("Risk building blocks")
struct RiskBuildingBlockTests {
    @Test("text normalisation: trim, case and whitespace")
    func normalisation() {
        #expect(TextDigest.normalize("  Hello \n\t WORLD  ") == "hello world")
        #expect(TextDigest("  Hello \n\t WORLD  ") == TextDigest("hello world"))
        #expect(TextDigest("hello world") != TextDigest("hello, world"))
        #expect(TextDigest("").description.count == 16)
    }

    @Test("sliding window counter forgets old buckets and keeps bounded state")
    func slidingWindow() {
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)
        var counter = SlidingWindowCounter(window: .seconds(600), buckets: 10)
        counter.record(at: t0)
        counter.record(3, at: t0.addingTimeInterval(59))
        counter.record(at: t0.addingTimeInterval(300))
        #expect(counter.count(at: t0.addingTimeInterval(300)) == 5)
        #expect(counter.count(at: t0.addingTimeInterval(599)) == 5)
        #expect(counter.count(at: t0.addingTimeInterval(600)) == 1)  // the first minute left the window
        #expect(counter.count(at: t0.addingTimeInterval(1_000)) == 0)
        // Late events inside the window still count; too old ones are dropped.
        counter.record(at: t0.addingTimeInterval(950))
        counter.record(at: t0.addingTimeInterval(100))
        #expect(counter.count(at: t0.addingTimeInterval(960)) == 1)
        #expect(counter.bucketCount == 10)
    }

    @Test("temporary-ban reason codes")
    func temporaryBanReasons() {
        #expect(TemporaryBanReason(rawValue: 101)?.name == "sent_to_too_many_non_contacts")
        #expect(TemporaryBanReason(rawValue: 102)?.relatedRule == .blocksAndReports)
        #expect(TemporaryBanReason(rawValue: 103)?.name == "created_too_many_groups")
        #expect(TemporaryBanReason(rawValue: 104)?.relatedRule == .identicalTextBurst)
        #expect(TemporaryBanReason(rawValue: 106)?.name == "too_many_broadcast_messages")
        #expect(TemporaryBanReason(rawValue: 105) == nil)
    }
}
