import Foundation

/// Watching what happens inside the gateway: an organization's domain events (the ones webhooks carry), in the
/// order their transactions committed, from any position still kept, and live as they commit.
///
/// ```swift
/// for try await logged in gateway.events.subscribe(from: .latest, by: principal) {
///     print(logged.sequence, logged.event.type)          // message.sent, instance.ready, campaign.progress …
///     checkpoint = logged.sequence                        // resume later with .after(checkpoint)
/// }
/// ```
///
/// - **Order and completeness.** Every event published in a transaction is appended to the organization's
///   ``EventLogRepository`` in that transaction, numbered 1, 2, 3 … without gaps in commit order; a subscriber
///   sees each event once, in that order, and one that resumes ``Position/after(_:)`` the last number it handled
///   misses nothing and sees nothing twice, across restarts.
/// - **Scope.** A subscription reads one organization, as its principal (`events:read`): an agent sees the events
///   of the instances assigned to them and no organization-wide events (campaigns, contacts); every read checks
///   again that the principal still stands, so a deactivated member's subscription ends with an error.
/// - **Retention.** Events are kept for ``retention`` (7 days by default): ``pruneExpired()`` removes older ones
///   (the ``Gateway`` runs it hourly). Resuming from a position whose events are gone fails with
///   `event_log_position_pruned`, never a silent gap.
/// - **Latency.** A subscription that has caught up polls the store every ``pollInterval`` (upkeep: a test clock
///   does not wait for it).
public struct EventLogService: Sendable {
    let env: ServiceEnvironment
    /// How often a caught-up subscription looks for new events.
    public let pollInterval: Duration
    /// How long events are kept.
    public let retention: Duration

    /// A service over `environment`'s store, clock and access policy.
    public init(
        environment: ServiceEnvironment, pollInterval: Duration = .milliseconds(250),
        retention: Duration = .seconds(7 * 86_400)
    ) {
        env = environment
        self.pollInterval = pollInterval
        self.retention = retention
    }

    /// Where reading starts.
    public enum Position: Sendable, Hashable {
        /// The oldest event still kept.
        case oldest
        /// Only events committed after the subscription starts.
        case latest
        /// The events numbered after this one (the last number the subscriber handled).
        case after(UInt64)
    }

    /// A page of the log as one principal sees it.
    public struct Page: Sendable, Hashable {
        /// The events the principal may see, oldest first.
        public var events: [LoggedEvent]
        /// Where the next read starts (``Position/after(_:)``): the last number this read examined, including
        /// events the principal may not see.
        public var position: UInt64
    }

    /// The events after `position` that `principal` may see, at most `limit` examined (1 … 1,000).
    ///
    /// - Throws: `event_log_position_pruned` when events after `position` were pruned; `permission_denied`
    ///   without `events:read`; `invalid_argument` for a bad limit.
    public func read(after position: UInt64, limit: Int = 100, by principal: Principal) async throws -> Page {
        let org = principal.organizationID
        try env.policy.require(principal, .eventsRead, on: .organization(org))
        let visible = env.policy.instanceRestriction(for: principal)
        return try await env.transaction(by: principal) { tx in
            let bounds = try await tx.eventLog.bounds(in: org)
            if position + 1 < bounds.firstRetained, position < bounds.last {
                throw WAError(
                    .eventLogPositionPruned,
                    "events \(position + 1) to \(bounds.firstRetained - 1) were pruned; the oldest kept is \(bounds.firstRetained)",
                    field: "position")
            }
            let events = try await tx.eventLog.read(in: org, after: position, limit: limit)
            return Page(
                events: events.filter { Self.isVisible($0.event, to: visible) },
                position: events.last?.sequence ?? position)
        }
    }

    /// What the organization's log holds now.
    public func bounds(by principal: Principal) async throws -> EventLogBounds {
        let org = principal.organizationID
        try env.policy.require(principal, .eventsRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in try await tx.eventLog.bounds(in: org) }
    }

    /// The events `principal` may see from `position` on, as they commit. The sequence ends only by cancelling the
    /// task that iterates it (it then throws `CancellationError`) or by an error from a read.
    public func subscribe(from position: Position = .latest, by principal: Principal) -> EventSubscription {
        EventSubscription(service: self, principal: principal, start: position)
    }

    /// Removes, in every organization, the events older than ``retention``; returns how many. Maintenance: the
    /// gateway runs it hourly.
    @discardableResult
    public func pruneExpired() async throws -> Int {
        let cutoff = env.clock.now().addingTimeInterval(-retention.timeInterval)
        return try await env.store.transaction(.system) { tx in try await tx.eventLog.prune(before: cutoff) }
    }

    static func isVisible(_ event: WebhookEvent, to instances: Set<InstanceID>?) -> Bool {
        guard let instances else { return true }
        return event.instanceID.map(instances.contains) ?? false
    }
}
