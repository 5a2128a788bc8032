import Foundation

// One-line summaries of the reports and statuses people print while running or debugging the gateway, so a log
// line or a terminal shows something readable instead of a struct dump. None of them prints a secret or a link
// code.

extension InstanceRateLimits: CustomStringConvertible {
    /// `20/min, 100/h, 1000/day`.
    public var description: String { "\(perMinute)/min, \(perHour)/h, \(perDay)/day" }
}

extension SendLimits: CustomStringConvertible {
    /// `6/min, 30/h, 300/day (configured 20/min, 100/h, 1000/day; warm-up day 3 at 30 %; throttle 100 %)`.
    public var description: String {
        "\(effective) (configured \(configured); warm-up day \(accountAgeDays) at \(Self.percent(warmUpFraction)); "
            + "throttle \(Self.percent(throttleFactor)))"
    }

    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded())) %" }
}

extension InstanceStatusReport: CustomStringConvertible {
    /// `instance "shop" ready on node-1, sends 20/min, 100/h, 1000/day (…)`; the link code is never printed.
    public var description: String {
        let place = runningOn.map { "on \($0)" } ?? "not running"
        return "instance \"\(instance.name)\" \(status.rawValue) \(place), sends \(sendLimits)"
    }
}

extension Campaign.Progress: CustomStringConvertible {
    /// `200 recipients: 150 sent, 120 delivered, 80 read, 5 replied, 2 failed, 0 skipped, 48 queued`.
    public var description: String {
        "\(total) recipients: \(sent) sent, \(delivered) delivered, \(read) read, \(replied) replied, "
            + "\(failed) failed, \(skipped) skipped, \(queued) queued"
    }
}

extension CampaignReport: CustomStringConvertible {
    /// `campaign "Autumn" completed: 200 recipients: …; 3 unreached`.
    public var description: String {
        "campaign \"\(name)\" \(status.rawValue): \(progress); \(unreached) unreached"
    }
}
