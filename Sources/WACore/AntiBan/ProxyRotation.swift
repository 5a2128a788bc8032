public import Foundation

/// Sticky, health-aware proxy assignment for instances (pure decisions over ``ProxyServer`` values).
///
/// - **Sticky:** an instance keeps its proxy across session starts while that proxy stays usable; it is
///   re-assigned only after a connection failure or on re-pairing (``ProxyRotationTrigger``), never mid-session.
///   Peers that pick a random proxy at every connect (EVO) make the account's IP jump, which is itself a risk
///   signal (`reference/peers.md` §5.6).
/// - **Usable** means: same organization as the instance (pools are per tenant), enabled, not cooling down, health
///   at least ``ProxyRotationPolicy/minimumHealth``, and fewer other instances assigned than its capacity.
///   A proxy at capacity is never assigned, whatever the organization of the instances behind it.
/// - **Choice:** among usable proxies the least loaded wins (fewer accounts sharing one IP), then the healthiest,
///   then the smallest id, so decisions are deterministic.
/// - **Health:** ``recordSuccess(_:at:)`` and ``recordFailure(_:at:)`` keep an exponentially weighted moving
///   average in ``ProxyServer/healthScore``; a failure also starts a cool-down that grows as health drops.
///
/// ```swift
/// let rotation = ProxyRotation()
/// switch rotation.assign(instance: id, organization: org, current: instance.proxyID, pool: pool,
///                        assignments: assignments, now: clock.now()) {
/// case .keep: break
/// case .assign(let proxy): instance.proxyID = proxy
/// case .noneAvailable: // wait and retry
/// }
/// ```
public struct ProxyRotation: Sendable, Hashable, Codable {
    /// Thresholds, smoothing and cool-downs.
    public var policy: ProxyRotationPolicy

    /// A rotation policy with `policy` (default ``ProxyRotationPolicy/standard``).
    public init(policy: ProxyRotationPolicy = .standard) {
        self.policy = policy
    }

    /// Decides the proxy for `instance` of `organization`, currently on `current`, given the pool and every
    /// current assignment (of any organization).
    public func assign(
        instance: InstanceID, organization: OrganizationID, current: ProxyServerID?, pool: [ProxyServer],
        assignments: [ProxyAssignment], now: Date, trigger: ProxyRotationTrigger = .sessionStart
    ) -> ProxyDecision {
        let loads = Self.loads(assignments, excluding: instance)
        func usable(_ proxy: ProxyServer) -> Bool {
            isUsable(proxy, for: organization, now: now) && loads[proxy.id, default: 0] < proxy.capacity
        }
        let currentProxy = current.flatMap { id in pool.first { $0.id == id } }
        let currentUsable = currentProxy.map(usable) ?? false

        // Sticky: a session start keeps a usable proxy; failures and re-pairing move on.
        if trigger == .sessionStart, currentUsable { return .keep }
        let candidates = pool.filter { $0.id != current && usable($0) }
        if let best = candidates.min(by: { Self.ranksBefore($0, $1, loads: loads) }) {
            return .assign(best.id)
        }
        if trigger == .repair, currentUsable { return .keep }
        return .noneAvailable
    }

    /// Whether `proxy` may carry an instance of `organization` at `now`, capacity aside.
    public func isUsable(_ proxy: ProxyServer, for organization: OrganizationID, now: Date) -> Bool {
        guard proxy.organizationID == organization, proxy.isEnabled, proxy.capacity > 0 else { return false }
        if let until = proxy.coolingDownUntil, until > now { return false }
        return proxy.healthScore >= policy.minimumHealth
    }

    /// `proxy` after a successful connection: health moves towards 1 and any cool-down is cleared.
    public func recordSuccess(_ proxy: ProxyServer, at now: Date) -> ProxyServer {
        var updated = proxy
        let alpha = smoothing
        updated.healthScore = Self.clampHealth((1 - alpha) * proxy.healthScore + alpha)
        updated.coolingDownUntil = nil
        updated.updatedAt = now
        return updated
    }

    /// `proxy` after a failed connection: health moves towards 0 and it cools down for
    /// ``coolDown(health:)`` of the new health.
    public func recordFailure(_ proxy: ProxyServer, at now: Date) -> ProxyServer {
        var updated = proxy
        updated.healthScore = Self.clampHealth((1 - smoothing) * proxy.healthScore)
        let until = now.adding(coolDown(health: updated.healthScore))
        updated.coolingDownUntil = max(until, proxy.coolingDownUntil ?? until)
        updated.updatedAt = now
        return updated
    }

    /// Failover in one step: records the failure of the instance's current proxy and decides where it goes next.
    public func handleConnectionFailure(
        instance: InstanceID, organization: OrganizationID, failed: ProxyServer, pool: [ProxyServer],
        assignments: [ProxyAssignment], now: Date
    ) -> (failed: ProxyServer, decision: ProxyDecision) {
        let updated = recordFailure(failed, at: now)
        let updatedPool = pool.map { $0.id == updated.id ? updated : $0 }
        let decision = assign(
            instance: instance, organization: organization, current: failed.id, pool: updatedPool,
            assignments: assignments, now: now, trigger: .connectionFailure)
        return (updated, decision)
    }

    /// The cool-down for a proxy whose health (after the failure) is `health`.
    public func coolDown(health: Double) -> Duration {
        let lost = 1 - Self.clampHealth(health)
        let base = policy.coolDownBase.antiBanMicroseconds
        let span = max(0, policy.coolDownMax.antiBanMicroseconds - base)
        return .microseconds(base + Int64((Double(span) * lost * lost).rounded()))
    }

    /// The earliest instant a cooling proxy of `organization` in `pool` becomes assignable again, if any: a good
    /// time to ask again after ``ProxyDecision/noneAvailable``.
    public func nextAvailability(pool: [ProxyServer], organization: OrganizationID, now: Date) -> Date? {
        pool.filter { $0.organizationID == organization && $0.isEnabled && $0.capacity > 0 }
            .compactMap(\.coolingDownUntil)
            .filter { $0 > now }
            .min()
    }

    private var smoothing: Double {
        policy.healthSmoothing.isFinite ? min(1, max(0.01, policy.healthSmoothing)) : 0.3
    }

    private static func clampHealth(_ value: Double) -> Double {
        value.isFinite ? min(1, max(0, value)) : 0
    }

    private static func loads(_ assignments: [ProxyAssignment], excluding instance: InstanceID) -> [ProxyServerID: Int] {
        var loads: [ProxyServerID: Int] = [:]
        for assignment in assignments where assignment.instanceID != instance {
            loads[assignment.proxyID, default: 0] += 1
        }
        return loads
    }

    private static func ranksBefore(_ a: ProxyServer, _ b: ProxyServer, loads: [ProxyServerID: Int]) -> Bool {
        let loadA = loads[a.id, default: 0], loadB = loads[b.id, default: 0]
        if loadA != loadB { return loadA < loadB }
        if a.healthScore != b.healthScore { return a.healthScore > b.healthScore }
        return a.id < b.id
    }
}
