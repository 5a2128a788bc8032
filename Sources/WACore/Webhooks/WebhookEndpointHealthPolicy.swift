public import Foundation

/// Decides when a failing webhook endpoint is disabled automatically, and when it comes back.
///
/// The adapter reports every finished attempt to an endpoint; the policy updates the endpoint's health fields
/// (``WebhookEndpoint/consecutiveFailures``, ``WebhookEndpoint/firstFailureAt``, ``WebhookEndpoint/isEnabled``,
/// ``WebhookEndpoint/disabledReason``, ``WebhookEndpoint/updatedAt``) and returns a ``Decision`` for the service
/// to act on (persist, emit `webhook.endpoint_disabled`, notify the owner out of band).
///
/// - An endpoint is disabled when it has failed at least ``failureThreshold`` times in a row **and** has been
///   failing for at least ``failingDuration`` (since the first failure of the current streak). Svix disables after
///   5 days of failures; so does ``standard``.
/// - With ``disablesOnGone``, a `410 Gone` disables it at once.
/// - Any success resets the streak.
/// - A successful `webhook.test` delivery re-enables an endpoint this policy disabled. An endpoint disabled for
///   another reason (by its owner) stays disabled; its owner re-enables it explicitly.
public struct WebhookEndpointHealthPolicy: Sendable, Hashable {
    /// What the service should do after an update.
    public enum Decision: Sendable, Hashable {
        /// Nothing changed that needs action.
        case none
        /// The endpoint was just disabled; `reason` is also stored in ``WebhookEndpoint/disabledReason``.
        case disable(reason: String)
        /// The endpoint was just re-enabled.
        case enable
    }

    /// The prefix of every ``WebhookEndpoint/disabledReason`` this policy writes, so it can tell its own
    /// decisions from an owner's.
    public static let reasonPrefix = "auto-disabled: "

    /// Consecutive failed attempts needed (together with ``failingDuration``) to disable.
    public var failureThreshold: Int
    /// How long the current failure streak must have lasted (together with ``failureThreshold``) to disable.
    public var failingDuration: Duration
    /// Whether `410 Gone` disables the endpoint immediately.
    public var disablesOnGone: Bool

    /// A policy; `failureThreshold` is at least 1.
    public init(failureThreshold: Int = 10, failingDuration: Duration = .seconds(5 * 86_400), disablesOnGone: Bool = true) {
        self.failureThreshold = max(1, failureThreshold)
        self.failingDuration = failingDuration
        self.disablesOnGone = disablesOnGone
    }

    /// The default: at least 10 consecutive failures spanning at least 5 days; 410 disables at once.
    public static let standard = WebhookEndpointHealthPolicy()

    /// Records a successful attempt at `now`: the failure streak resets. A disabled endpoint is not re-enabled by
    /// an ordinary delivery (only by ``recordTestResult(succeeded:endpoint:at:)``).
    public func recordSuccess(_ endpoint: inout WebhookEndpoint, at now: Date) -> Decision {
        if endpoint.consecutiveFailures != 0 || endpoint.firstFailureAt != nil {
            endpoint.consecutiveFailures = 0
            endpoint.firstFailureAt = nil
            endpoint.updatedAt = now
        }
        return .none
    }

    /// Records a failed attempt at `now` (`statusCode` when a response arrived).
    public func recordFailure(_ endpoint: inout WebhookEndpoint, statusCode: Int? = nil, at now: Date) -> Decision {
        endpoint.consecutiveFailures += 1
        let since = endpoint.firstFailureAt ?? now
        endpoint.firstFailureAt = since
        endpoint.updatedAt = now
        guard endpoint.isEnabled else { return .none }
        if disablesOnGone, statusCode == 410 {
            return disable(&endpoint, reason: "endpoint answered 410 Gone", at: now)
        }
        let failingFor = now.timeIntervalSince(since)
        if endpoint.consecutiveFailures >= failureThreshold, failingFor >= failingDuration.timeInterval {
            return disable(
                &endpoint,
                reason: "\(endpoint.consecutiveFailures) consecutive failed deliveries since "
                    + RFC3339Timestamp.string(from: since),
                at: now)
        }
        return .none
    }

    /// Records a finished attempt, success or failure, from its outcome.
    public func record(_ outcome: WebhookAttemptOutcome, for endpoint: inout WebhookEndpoint, at now: Date) -> Decision {
        outcome.isSuccess
            ? recordSuccess(&endpoint, at: now) : recordFailure(&endpoint, statusCode: outcome.statusCode, at: now)
    }

    /// Records the result of a `webhook.test` delivery. Success resets the streak and re-enables an endpoint this
    /// policy had disabled (``Decision/enable``); failure counts like any failure.
    public func recordTestResult(succeeded: Bool, endpoint: inout WebhookEndpoint, at now: Date) -> Decision {
        guard succeeded else { return recordFailure(&endpoint, at: now) }
        _ = recordSuccess(&endpoint, at: now)
        guard !endpoint.isEnabled, Self.isAutomaticallyDisabled(endpoint) else { return .none }
        endpoint.isEnabled = true
        endpoint.disabledReason = nil
        endpoint.updatedAt = now
        return .enable
    }

    /// Whether `endpoint` is disabled by this policy (rather than by its owner).
    public static func isAutomaticallyDisabled(_ endpoint: WebhookEndpoint) -> Bool {
        !endpoint.isEnabled && (endpoint.disabledReason?.hasPrefix(reasonPrefix) ?? false)
    }

    private func disable(_ endpoint: inout WebhookEndpoint, reason: String, at now: Date) -> Decision {
        let text = Self.reasonPrefix + reason
        endpoint.isEnabled = false
        endpoint.disabledReason = text
        endpoint.updatedAt = now
        return .disable(reason: text)
    }
}
