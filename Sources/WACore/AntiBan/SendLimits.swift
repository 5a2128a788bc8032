public import Foundation

/// The send caps in force for an instance at one instant, and where they come from: the configured limits
/// (``Instance/rateLimits`` or ``InstanceRateLimits/standard``), the warm-up curve's fraction for the account's
/// age (``Instance/warmUp``, else the organization's ``PlanLimits/warmUp``), and the risk monitor's throttle.
///
/// ```swift
/// let limits = SendLimits(instance: instance, organization: org, at: clock.now())
/// print(limits.accountAgeDays, limits.warmUpFraction, limits.effective.perDay)   // 0, 0.15, 150
/// ```
public struct SendLimits: Sendable, Hashable, Codable {
    /// The limits configured for the instance, at full speed.
    public var configured: InstanceRateLimits
    /// The warm-up curve that applies.
    public var warmUp: WarmUpCurve
    /// Whole days since the account was linked (``Instance/linkedAt``; the instance's creation for an instance
    /// linked before that was recorded).
    public var accountAgeDays: Int
    /// The warm-up curve's fraction for ``accountAgeDays`` (1 once warmed up).
    public var warmUpFraction: Double
    /// The risk monitor's throttle (``RiskState/throttleFactor``; 1 when calm).
    public var throttleFactor: Double
    /// The caps in force: each configured limit × warm-up fraction × throttle, rounded down, at least 1.
    public var effective: InstanceRateLimits

    /// The limits of `instance` of `organization` at `now`.
    public init(instance: Instance, organization: Organization, at now: Date) {
        configured = instance.rateLimits ?? .standard
        warmUp = instance.warmUp ?? organization.limits.warmUp
        accountAgeDays = WarmUpCurve.ageInDays(linkedAt: instance.linkedAt ?? instance.createdAt, now: now)
        warmUpFraction = warmUp.fraction(day: accountAgeDays)
        throttleFactor = min(1, max(0, instance.risk.throttleFactor))
        effective = configured.scaled(by: warmUpFraction * throttleFactor)
    }
}

extension InstanceRateLimits {
    /// Each limit × `factor` (0 < factor ≤ 1), rounded down, at least 1 and never above the limit itself.
    public func scaled(by factor: Double) -> InstanceRateLimits {
        func scale(_ value: Int) -> Int {
            guard value > 0, factor < 1 else { return value }
            return min(value, max(1, Int((Double(value) * max(0, factor)).rounded(.down))))
        }
        return InstanceRateLimits(perMinute: scale(perMinute), perHour: scale(perHour), perDay: scale(perDay))
    }
}
