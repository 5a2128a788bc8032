public import Foundation

/// The per-instance ban-risk state machine: consumes ``RiskSignal``s and returns ``RiskAction``s.
///
/// Memory is bounded whatever the traffic: windows are bucketed counters (``SlidingWindowCounter``), the
/// identical-text rule keeps at most ``RiskPolicy/identicalTextTrackedTexts`` digests with at most
/// ``RiskPolicy/identicalTextRecipients`` recipient digests each, and no text or recipient is stored in clear.
/// The value is `Codable`, so an adapter can persist it with the instance.
///
/// ```swift
/// var monitor = RiskMonitor()
/// for action in monitor.record(.messageSent(recipient: jid, recipientIsContact: false, text: body), at: now) {
///     // perform: throttle the limiter, pause the queue, store an alert, stop the instance…
/// }
/// let decayed = monitor.evaluate(at: later)   // periodic: re-arms rules, lifts throttles as the score decays
/// ```
///
/// The rules, thresholds and actions are listed on ``RiskPolicy``.
public struct RiskMonitor: Sendable, Hashable, Codable {
    /// The thresholds the monitor was created with.
    public private(set) var policy: RiskPolicy

    /// The current throttle factor (1 = not throttled).
    public private(set) var throttleFactor: Double = 1
    /// Sending is paused until this instant.
    public private(set) var pausedUntil: Date?
    /// Whether a terminal disconnect asked for a relink (cleared by ``relinked(at:)``).
    public private(set) var relinkRequired = false
    /// The rules that fired and have not re-armed yet.
    public private(set) var activeRules: Set<RiskRule> = []
    /// Messages sent since the last inbound message.
    public private(set) var unansweredStreak = 0

    private var scoreValue: Double = 0
    private var scoreAt: Date?
    private var failures: SlidingWindowCounter
    private var disconnects: SlidingWindowCounter
    private var blocks: SlidingWindowCounter
    private var sent: SlidingWindowCounter
    private var sentToNonContacts: SlidingWindowCounter
    private var recentSends: SlidingWindowCounter
    private var baselineSends: SlidingWindowCounter
    private var texts: [UInt64: TrackedText] = [:]

    /// For one text digest: the distinct recipients (digests) and when each last got it.
    private struct TrackedText: Sendable, Hashable, Codable {
        var recipients: [UInt64: Date] = [:]
        var lastSent: Date
    }

    /// A calm monitor (score 0, no throttle) applying `policy`.
    public init(policy: RiskPolicy = .standard) {
        self.policy = policy
        failures = SlidingWindowCounter(window: policy.sendFailureWindow)
        disconnects = SlidingWindowCounter(window: policy.disconnectWindow)
        blocks = SlidingWindowCounter(window: policy.blockWindow, buckets: 48)
        sent = SlidingWindowCounter(window: policy.nonContactWindow)
        sentToNonContacts = SlidingWindowCounter(window: policy.nonContactWindow)
        recentSends = SlidingWindowCounter(window: policy.rateSpikeWindow, buckets: 10)
        baselineSends = SlidingWindowCounter(window: policy.rateBaselineWindow, buckets: 144)
    }

    /// A monitor for an instance whose stored monitor state could not be read (a bug, or a state written by an
    /// incompatible version): it must not start the instance calm again. It keeps what the instance's stored
    /// summary says (score, throttle, pause) and pauses sending for `pause` at least;
    /// the returned actions are that pause and a critical `risk_state_unreadable` alert for a person to look at.
    /// The traffic history is lost, so rules that count over windows start counting again from here.
    public static func recovering(
        from summary: RiskState, policy: RiskPolicy = .standard, pause: Duration, at date: Date
    ) -> (monitor: RiskMonitor, actions: [RiskAction]) {
        var monitor = RiskMonitor(policy: policy)
        monitor.scoreValue = min(100, max(0, summary.score))
        monitor.scoreAt = date
        monitor.throttleFactor = min(1, max(policy.minimumThrottle, summary.throttleFactor))
        monitor.pausedUntil = summary.pausedUntil
        var actions: [RiskAction] = []
        monitor.pause(until: date.adding(pause), into: &actions)
        if monitor.throttleFactor < 1 { actions.append(.throttle(monitor.throttleFactor)) }
        actions.append(
            .alert(
                .critical, rules: [.riskStateUnreadable],
                evidence: ["reason": "the stored risk monitor state could not be read"]))
        return (monitor, actions)
    }

    // MARK: Inputs

    /// Takes in one signal observed at `date` and returns what to do about it (often nothing).
    public mutating func record(_ signal: RiskSignal, at date: Date) -> [RiskAction] {
        var actions: [RiskAction] = []
        switch signal {
        case .messageSent(let recipient, let isContact, let text):
            recordSend(recipient: recipient, isContact: isContact, text: text, at: date, into: &actions)
        case .sendFailed:
            failures.record(at: date)
            addScore(policy.sendFailurePoints, at: date)
            let count = failures.count(at: date)
            if count >= policy.sendFailureLimit {
                fireThrottlingRule(
                    .sendFailures,
                    evidence: ["failures": "\(count)", "window_seconds": seconds(policy.sendFailureWindow)],
                    at: date, into: &actions)
            }
        case .messageReceived:
            unansweredStreak = 0
            activeRules.remove(.unansweredStreak)
        case .disconnected(let reason):
            recordDisconnect(reason, at: date, into: &actions)
        case .temporaryBan(let code, let expiresAt):
            recordTemporaryBan(code: code, expiresAt: expiresAt, at: date, into: &actions)
        case .blocked, .reported:
            blocks.record(at: date)
            addScore(policy.blockPoints, at: date)
            let count = blocks.count(at: date)
            if count >= policy.blockLimit, !activeRules.contains(.blocksAndReports) {
                activeRules.insert(.blocksAndReports)
                addScore(policy.criticalPoints, at: date)
                pause(until: date.adding(policy.blockPause), into: &actions)
                actions.append(
                    .alert(
                        .critical, rules: [.blocksAndReports],
                        evidence: ["blocks_and_reports": "\(count)", "window_seconds": seconds(policy.blockWindow)]))
            }
        }
        actions.append(contentsOf: evaluate(at: date))
        return actions
    }

    /// Re-checks the time-dependent state at `date`: re-arms rules whose measure fell below the threshold, fires
    /// `high_risk_score`, and relaxes the throttle once the score has decayed. Call it periodically (and before
    /// deciding whether the instance may send).
    public mutating func evaluate(at date: Date) -> [RiskAction] {
        var actions: [RiskAction] = []
        rearm(at: date)
        let score = score(at: date)
        // A terminal disconnect already stopped the instance; a high-score pause on top would only add noise.
        if score >= policy.pauseScore, !relinkRequired {
            if !activeRules.contains(.highRiskScore) {
                activeRules.insert(.highRiskScore)
                pause(until: date.adding(policy.highScorePause), into: &actions)
                actions.append(
                    .alert(.critical, rules: [.highRiskScore], evidence: ["score": String(format: "%.1f", score)]))
            }
        } else {
            activeRules.remove(.highRiskScore)
        }
        updateThrottle(at: date, into: &actions)
        return actions
    }

    /// Marks the account as linked again after ``RiskAction/requireRelink``: clears the relink flag and the
    /// terminal rule and resets the score, keeping the traffic history.
    public mutating func relinked(at date: Date) {
        relinkRequired = false
        activeRules.remove(.terminalDisconnect)
        activeRules.remove(.highRiskScore)
        scoreValue = 0
        scoreAt = date
    }

    // MARK: Outputs

    /// The risk score at `date` (0…100), decayed since the last change.
    public func score(at date: Date) -> Double {
        guard let scoreAt else { return 0 }
        let elapsed = max(0, date.timeIntervalSince(scoreAt))
        let halfLife = policy.scoreHalfLife.timeInterval
        guard halfLife > 0 else { return elapsed > 0 ? 0 : scoreValue }
        return scoreValue * pow(0.5, elapsed / halfLife)
    }

    /// Whether the instance may send at `date` (not paused, no relink needed).
    public func maySend(at date: Date) -> Bool {
        !relinkRequired && (pausedUntil.map { $0 <= date } ?? true)
    }

    /// The monitor's view as stored on the instance (``Instance/risk``).
    public func riskState(at date: Date) -> RiskState {
        RiskState(
            score: score(at: date), throttleFactor: throttleFactor,
            pausedUntil: pausedUntil.flatMap { $0 > date ? $0 : nil }, updatedAt: date)
    }

    /// How many distinct recipients got the text whose normalised form is that of `text`, within the window
    /// ending at `date`.
    public func recipientsOfText(_ text: String, at date: Date) -> Int {
        let cutoff = date.subtracting(policy.identicalTextWindow)
        return texts[TextDigest(text).value]?.recipients.values.filter { $0 > cutoff }.count ?? 0
    }

    // MARK: Rules

    private mutating func recordSend(
        recipient: String, isContact: Bool, text: String?, at date: Date, into actions: inout [RiskAction]
    ) {
        // Unanswered streak.
        unansweredStreak += 1
        if unansweredStreak >= policy.unansweredStreakLimit {
            fireThrottlingRule(.unansweredStreak, evidence: ["unanswered": "\(unansweredStreak)"], at: date, into: &actions)
        }

        // Share of non-contacts.
        sent.record(at: date)
        if !isContact { sentToNonContacts.record(at: date) }
        let total = sent.count(at: date)
        let strangers = sentToNonContacts.count(at: date)
        if total >= policy.nonContactMinimumMessages, Double(strangers) >= policy.nonContactShare * Double(total) {
            fireThrottlingRule(
                .nonContactShare,
                evidence: [
                    "non_contacts": "\(strangers)", "messages": "\(total)",
                    "window_seconds": seconds(policy.nonContactWindow),
                ], at: date, into: &actions)
        }

        // Rate spike against the instance's own baseline.
        recentSends.record(at: date)
        baselineSends.record(at: date)
        let recent = recentSends.count(at: date)
        let threshold = rateSpikeThreshold(at: date)
        if Double(recent) >= threshold {
            fireThrottlingRule(
                .rateSpike,
                evidence: [
                    "messages": "\(recent)", "threshold": String(format: "%.1f", threshold),
                    "window_seconds": seconds(policy.rateSpikeWindow),
                ], at: date, into: &actions)
        }

        // Identical text to many recipients.
        if let text, !TextDigest.normalize(text).isEmpty {
            let digest = TextDigest(text)
            let count = trackText(digest.value, recipient: TextDigest.identifier(recipient), at: date)
            if count >= policy.identicalTextRecipients {
                fireThrottlingRule(
                    .identicalTextBurst,
                    evidence: [
                        "recipients": "\(count)", "text_digest": digest.description,
                        "window_seconds": seconds(policy.identicalTextWindow),
                    ], at: date, into: &actions)
            }
        }
    }

    /// Disconnect codes whose kind is terminal but that a new link does not fix (the operator must act).
    static let terminalWithoutRelink: Set<String> = ["proxy_blocked", "deprecated_version"]

    private mutating func recordDisconnect(_ reason: DisconnectReason, at date: Date, into actions: inout [RiskAction]) {
        // A crashed browser or a hung page is the gateway's trouble, not a sign of how WhatsApp treats the account.
        if reason.isLocal { return }
        if reason.code == "restricted" {
            recordTemporaryBan(code: nil, expiresAt: nil, at: date, into: &actions)
            return
        }
        switch reason.kind {
        case .transient:
            disconnects.record(at: date)
            addScore(policy.disconnectPoints, at: date)
            let count = disconnects.count(at: date)
            if count >= policy.disconnectLimit, !activeRules.contains(.disconnectFlapping) {
                activeRules.insert(.disconnectFlapping)
                addScore(policy.warningPoints, at: date)
                actions.append(
                    .alert(
                        .warning, rules: [.disconnectFlapping],
                        evidence: [
                            "disconnects": "\(count)", "last_reason": reason.code,
                            "window_seconds": seconds(policy.disconnectWindow),
                        ]))
            }
        case .terminal where Self.terminalWithoutRelink.contains(reason.code):
            addScore(policy.criticalPoints, at: date)
            actions.append(.alert(.critical, rules: [.terminalDisconnect], evidence: ["reason": reason.code]))
        case .terminal:
            scoreValue = 100
            scoreAt = date
            activeRules.insert(.terminalDisconnect)
            if !relinkRequired {
                relinkRequired = true
                actions.append(.requireRelink)
            }
            actions.append(.alert(.critical, rules: [.terminalDisconnect], evidence: ["reason": reason.code]))
        }
    }

    private mutating func recordTemporaryBan(
        code: Int?, expiresAt: Date?, at date: Date, into actions: inout [RiskAction]
    ) {
        addScore(policy.criticalPoints, at: date)
        let until = expiresAt ?? date.adding(policy.temporaryBanPause)
        pause(until: until, into: &actions)
        var evidence = [
            "category": code.flatMap(TemporaryBanReason.init(rawValue:))?.name ?? "unknown",
            "expires_at": until.formatted(Date.ISO8601FormatStyle()),
        ]
        if let code { evidence["code"] = "\(code)" }
        actions.append(.alert(.critical, rules: [.temporaryBan], evidence: evidence))
    }

    /// Fires a rule that throttles, unless it is already active.
    private mutating func fireThrottlingRule(
        _ rule: RiskRule, evidence: [String: String], at date: Date, into actions: inout [RiskAction]
    ) {
        guard !activeRules.contains(rule) else { return }
        activeRules.insert(rule)
        addScore(policy.warningPoints, at: date)
        actions.append(.alert(.warning, rules: [rule], evidence: evidence))
    }

    private static let throttlingRules: [RiskRule] = [
        .sendFailures, .unansweredStreak, .identicalTextBurst, .nonContactShare, .rateSpike,
    ]

    /// Re-arms rules whose measure is back below the threshold.
    private mutating func rearm(at date: Date) {
        if failures.count(at: date) < policy.sendFailureLimit { activeRules.remove(.sendFailures) }
        if unansweredStreak < policy.unansweredStreakLimit { activeRules.remove(.unansweredStreak) }
        if disconnects.count(at: date) < policy.disconnectLimit { activeRules.remove(.disconnectFlapping) }
        if blocks.count(at: date) < policy.blockLimit { activeRules.remove(.blocksAndReports) }
        let total = sent.count(at: date)
        if total < policy.nonContactMinimumMessages
            || Double(sentToNonContacts.count(at: date)) < policy.nonContactShare * Double(total)
        {
            activeRules.remove(.nonContactShare)
        }
        if Double(recentSends.count(at: date)) < rateSpikeThreshold(at: date) { activeRules.remove(.rateSpike) }
        pruneTexts(at: date)
        if activeRules.contains(.identicalTextBurst) {
            let cutoff = date.subtracting(policy.identicalTextWindow)
            let stillBursting = texts.values.contains { entry in
                entry.recipients.values.count(where: { $0 > cutoff }) >= policy.identicalTextRecipients
            }
            if !stillBursting { activeRules.remove(.identicalTextBurst) }
        }
    }

    /// Tightens the throttle at once; relaxes it only when the throttling rules have re-armed and the score is
    /// below the recovery level.
    private mutating func updateThrottle(at date: Date, into actions: inout [RiskAction]) {
        let active = Self.throttlingRules.filter(activeRules.contains).count
        let floor = min(1, max(0, policy.minimumThrottle))
        let target = active == 0 ? 1 : max(floor, pow(policy.throttleFactor, Double(active)))
        let relax = target > throttleFactor && score(at: date) < policy.recoveryScore
        if target < throttleFactor || relax {
            throttleFactor = target
            actions.append(.throttle(target))
        }
    }

    /// The rate-spike threshold: `max(minimum, factor × baseline)`, where the baseline is the average number of
    /// messages per spike window over the baseline window, excluding the current spike window.
    private func rateSpikeThreshold(at date: Date) -> Double {
        let recent = recentSends.count(at: date)
        let history = max(0, baselineSends.count(at: date) - recent)
        let windows = max(1, policy.rateBaselineWindow.timeInterval / policy.rateSpikeWindow.timeInterval - 1)
        let baseline = Double(history) / windows
        return max(Double(policy.rateSpikeMinimum), policy.rateSpikeFactor * baseline)
    }

    /// Adds `recipient` to the digest's recipients and returns how many distinct recipients got it in the window.
    private mutating func trackText(_ digest: UInt64, recipient: UInt64, at date: Date) -> Int {
        let cutoff = date.subtracting(policy.identicalTextWindow)
        var entry = texts[digest] ?? TrackedText(lastSent: date)
        entry.recipients = entry.recipients.filter { $0.value > cutoff }
        entry.recipients[recipient] = max(date, entry.recipients[recipient] ?? date)
        entry.lastSent = max(entry.lastSent, date)
        let cap = max(1, policy.identicalTextRecipients)
        while entry.recipients.count > cap, let oldest = entry.recipients.min(by: { $0.value < $1.value }) {
            entry.recipients.removeValue(forKey: oldest.key)
        }
        texts[digest] = entry
        let limit = max(1, policy.identicalTextTrackedTexts)
        while texts.count > limit, let stalest = texts.min(by: { $0.value.lastSent < $1.value.lastSent }) {
            texts.removeValue(forKey: stalest.key)
        }
        return entry.recipients.count
    }

    /// Forgets texts last sent before the window (their recipients are all outside it too).
    private mutating func pruneTexts(at date: Date) {
        let cutoff = date.subtracting(policy.identicalTextWindow)
        guard texts.values.contains(where: { $0.lastSent <= cutoff }) else { return }
        texts = texts.filter { $0.value.lastSent > cutoff }
    }

    private mutating func addScore(_ points: Double, at date: Date) {
        scoreValue = min(100, max(0, score(at: date) + points))
        scoreAt = date
    }

    private mutating func pause(until: Date, into actions: inout [RiskAction]) {
        if let current = pausedUntil, current >= until { return }
        pausedUntil = until
        actions.append(.pause(until: until))
    }

    private func seconds(_ duration: Duration) -> String {
        String(Int(duration.timeInterval.rounded()))
    }
}
