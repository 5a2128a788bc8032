/// The campaign status machine: which ``Campaign/Status`` follows which event, as pure values.
///
/// ```
/// draft ──start──▶ scheduled ──beginSending──▶ running ──complete──▶ completed
///   │    (or straight to running when the start time has come)   │
///   │                 │  ▲                        │  ▲             │
///   │              pause resume                pause resume        │
///   │                 ▼  │                        ▼  │             │
///   │                paused ◀──────────────────── paused           │
///   └──cancel──▶ cancelled ◀──cancel── scheduled / running / paused
///                failed    ◀──fail──── scheduled / running / paused (the instance was deleted)
/// ```
///
/// `completed`, `cancelled` and `failed` are final. A paused campaign whose recipients were all handled before
/// the pause may still complete.
public enum CampaignLifecycle {
    /// Something that happens to a campaign.
    public enum Event: Sendable, Hashable {
        /// A member started the campaign; `immediately` when its start time has come (or it has none).
        case start(immediately: Bool)
        /// The first wave began sending after the start time.
        case beginSending
        /// A member paused it.
        case pause
        /// A member resumed it; `immediately` when its start time has come.
        case resume(immediately: Bool)
        /// A member cancelled it.
        case cancel
        /// Every recipient was handled and no campaign message is still waiting to be sent.
        case complete
        /// The campaign cannot go on (its instance was deleted).
        case fail
    }

    /// The status after `event` in `status`, or `nil` when the event is not allowed there.
    public static func status(after event: Event, from status: Campaign.Status) -> Campaign.Status? {
        switch (event, status) {
        case (.start(let immediately), .draft): immediately ? .running : .scheduled
        case (.beginSending, .scheduled): .running
        case (.pause, .scheduled), (.pause, .running): .paused
        case (.resume(let immediately), .paused): immediately ? .running : .scheduled
        case (.cancel, .draft), (.cancel, .scheduled), (.cancel, .running), (.cancel, .paused): .cancelled
        case (.complete, .scheduled), (.complete, .running), (.complete, .paused): .completed
        case (.fail, .scheduled), (.fail, .running), (.fail, .paused): .failed
        default: nil
        }
    }

    /// The status after `event`, or ``WAError/Code-swift.enum/campaignInvalidState`` naming both.
    public static func require(_ event: Event, from status: Campaign.Status) throws(WAError) -> Campaign.Status {
        guard let next = Self.status(after: event, from: status) else {
            throw WAError(.campaignInvalidState, "a \(status.rawValue) campaign cannot \(event.verb)", field: "status")
        }
        return next
    }

    /// Whether a campaign in `status` will never change again.
    public static func isFinal(_ status: Campaign.Status) -> Bool {
        status == .completed || status == .cancelled || status == .failed
    }

    /// Whether a campaign in `status` has recipients being worked on (its waves run or wait).
    public static func isActive(_ status: Campaign.Status) -> Bool {
        status == .scheduled || status == .running || status == .paused
    }
}

extension CampaignLifecycle.Event {
    fileprivate var verb: String {
        switch self {
        case .start: "start"
        case .beginSending: "begin sending"
        case .pause: "be paused"
        case .resume: "be resumed"
        case .cancel: "be cancelled"
        case .complete: "complete"
        case .fail: "fail"
        }
    }
}
