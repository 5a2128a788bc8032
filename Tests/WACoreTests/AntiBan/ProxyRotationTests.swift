import Foundation
import Testing
import WACore

@Suite("ProxyRotation")
struct ProxyRotationTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)
    static let org = OrganizationID(high: 0x0190_0000_0000_7001, low: 0x8000_0000_0000_0001)
    static let otherOrg = OrganizationID(high: 0x0190_0000_0000_7002, low: 0x8000_0000_0000_0002)
    let rotation = ProxyRotation()

    static func proxyID(_ n: UInt64) -> ProxyServerID { ProxyServerID(high: 0x0190_0000_0000_7000 | n, low: 0x8000_0000_0000_0000 | n) }
    static func instance(_ n: UInt64) -> InstanceID { InstanceID(high: 0x0190_0000_0001_7000 | n, low: 0x8000_0000_0000_0000 | n) }

    static func proxy(
        _ n: UInt64, capacity: Int = 2, health: Double = 1, enabled: Bool = true, coolingUntil: Date? = nil,
        org: OrganizationID = org
    ) -> ProxyServer {
        ProxyServer(
            id: proxyID(n), organizationID: org, scheme: .http, host: "10.0.0.\(n)", port: 3128, capacity: capacity,
            healthScore: health, isEnabled: enabled, coolingDownUntil: coolingUntil, createdAt: now)
    }

    static func assignment(_ instance: UInt64, to proxy: UInt64, org: OrganizationID = org) -> ProxyAssignment {
        ProxyAssignment(instanceID: Self.instance(instance), organizationID: org, proxyID: proxyID(proxy))
    }

    func decide(
        _ instance: UInt64 = 1, current: UInt64? = nil, pool: [ProxyServer], assignments: [ProxyAssignment] = [],
        trigger: ProxyRotationTrigger = .sessionStart, org: OrganizationID = org, at date: Date = now
    ) -> ProxyDecision {
        rotation.assign(
            instance: Self.instance(instance), organization: org, current: current.map(Self.proxyID), pool: pool,
            assignments: assignments, now: date, trigger: trigger)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let current: UInt64?
        let pool: [ProxyServer]
        let assignments: [ProxyAssignment]
        let trigger: ProxyRotationTrigger
        let expected: ProxyDecision
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no proxy yet → least loaded", current: nil, pool: [proxy(1), proxy(2)],
             assignments: [assignment(9, to: 1)], trigger: .sessionStart, expected: .assign(proxyID(2))),
        Case(name: "sticky: a usable current proxy is kept at session start", current: 1, pool: [proxy(1), proxy(2)],
             assignments: [assignment(1, to: 1), assignment(9, to: 1)], trigger: .sessionStart, expected: .keep),
        Case(name: "sticky even when a healthier proxy exists", current: 1, pool: [proxy(1, health: 0.5), proxy(2)],
             assignments: [assignment(1, to: 1)], trigger: .sessionStart, expected: .keep),
        Case(name: "failover on connection failure to another healthy proxy", current: 1, pool: [proxy(1), proxy(2)],
             assignments: [assignment(1, to: 1)], trigger: .connectionFailure, expected: .assign(proxyID(2))),
        Case(name: "re-pair prefers a different proxy", current: 1, pool: [proxy(1), proxy(2)],
             assignments: [assignment(1, to: 1)], trigger: .repair, expected: .assign(proxyID(2))),
        Case(name: "re-pair keeps the current proxy when it is the only usable one", current: 1,
             pool: [proxy(1), proxy(2, enabled: false)], assignments: [assignment(1, to: 1)], trigger: .repair,
             expected: .keep),
        Case(name: "a proxy at capacity is never assigned", current: nil, pool: [proxy(1, capacity: 1)],
             assignments: [assignment(9, to: 1)], trigger: .sessionStart, expected: .noneAvailable),
        Case(name: "capacity counts other organizations' instances too", current: nil, pool: [proxy(1, capacity: 2)],
             assignments: [assignment(8, to: 1, org: otherOrg), assignment(9, to: 1)], trigger: .sessionStart,
             expected: .noneAvailable),
        Case(name: "one below capacity is fine", current: nil, pool: [proxy(1, capacity: 2)],
             assignments: [assignment(9, to: 1)], trigger: .sessionStart, expected: .assign(proxyID(1))),
        Case(name: "the instance's own assignment does not count against capacity", current: 1,
             pool: [proxy(1, capacity: 1)], assignments: [assignment(1, to: 1)], trigger: .sessionStart, expected: .keep),
        Case(name: "current over capacity (capacity lowered) moves", current: 1,
             pool: [proxy(1, capacity: 1), proxy(2)], assignments: [assignment(1, to: 1), assignment(9, to: 1)],
             trigger: .sessionStart, expected: .assign(proxyID(2))),
        Case(name: "cooling-down proxies are skipped", current: nil,
             pool: [proxy(1, coolingUntil: now.addingTimeInterval(60)), proxy(2, health: 0.5)], assignments: [],
             trigger: .sessionStart, expected: .assign(proxyID(2))),
        Case(name: "a cool-down that ended is usable again", current: nil,
             pool: [proxy(1, coolingUntil: now)], assignments: [], trigger: .sessionStart, expected: .assign(proxyID(1))),
        Case(name: "disabled proxies are skipped", current: nil, pool: [proxy(1, enabled: false)], assignments: [],
             trigger: .sessionStart, expected: .noneAvailable),
        Case(name: "unhealthy proxies are skipped", current: nil, pool: [proxy(1, health: 0.19), proxy(2, health: 0.2)],
             assignments: [], trigger: .sessionStart, expected: .assign(proxyID(2))),
        Case(name: "another organization's proxy is never used", current: nil, pool: [proxy(1, org: otherOrg)],
             assignments: [], trigger: .sessionStart, expected: .noneAvailable),
        Case(name: "equal load → healthier wins", current: nil, pool: [proxy(1, health: 0.8), proxy(2, health: 0.9)],
             assignments: [], trigger: .sessionStart, expected: .assign(proxyID(2))),
        Case(name: "equal load and health → smaller id wins", current: nil, pool: [proxy(2), proxy(1)],
             assignments: [], trigger: .sessionStart, expected: .assign(proxyID(1))),
        Case(name: "failure with no alternative → none available", current: 1, pool: [proxy(1)],
             assignments: [assignment(1, to: 1)], trigger: .connectionFailure, expected: .noneAvailable),
        Case(name: "current proxy removed from the pool → reassigned", current: 7, pool: [proxy(1)],
             assignments: [assignment(1, to: 7)], trigger: .sessionStart, expected: .assign(proxyID(1))),
    ]

    @Test("assignment decisions", arguments: cases)
    func decisions(_ c: Case) {
        #expect(decide(current: c.current, pool: c.pool, assignments: c.assignments, trigger: c.trigger) == c.expected)
    }

    @Test("health is an EWMA: failures move it towards 0, successes towards 1")
    func health() {
        var proxy = Self.proxy(1)
        proxy = rotation.recordFailure(proxy, at: Self.now)
        #expect(abs(proxy.healthScore - 0.7) < 1e-9)
        proxy = rotation.recordFailure(proxy, at: Self.now)
        #expect(abs(proxy.healthScore - 0.49) < 1e-9)
        proxy = rotation.recordSuccess(proxy, at: Self.now)
        #expect(abs(proxy.healthScore - (0.49 * 0.7 + 0.3)) < 1e-9)
        #expect(proxy.coolingDownUntil == nil)
        #expect(proxy.updatedAt == Self.now)
        for _ in 0..<100 { proxy = rotation.recordSuccess(proxy, at: Self.now) }
        #expect(proxy.healthScore <= 1 && proxy.healthScore > 0.999)
    }

    @Test("a failure starts a cool-down that grows as health drops")
    func coolDown() throws {
        var proxy = Self.proxy(1)
        proxy = rotation.recordFailure(proxy, at: Self.now)
        let first = try #require(proxy.coolingDownUntil)
        // 60 s + 1740 s × 0.3² = 216.6 s.
        #expect(abs(first.timeIntervalSince(Self.now) - 216.6) < 0.001)
        proxy = rotation.recordFailure(proxy, at: Self.now)
        #expect((proxy.coolingDownUntil ?? .distantPast) > first)
        #expect(rotation.coolDown(health: 1) == .seconds(60))
        #expect(rotation.coolDown(health: 0) == .seconds(1_800))
        #expect(!rotation.isUsable(proxy, for: Self.org, now: Self.now))
        #expect(rotation.nextAvailability(pool: [proxy], organization: Self.org, now: Self.now) == proxy.coolingDownUntil)
    }

    @Test("failover: the failed proxy cools down and the instance moves; it stays put mid-session")
    func failover() {
        let pool = [Self.proxy(1), Self.proxy(2)]
        let assignments = [Self.assignment(1, to: 1)]
        let (failed, decision) = rotation.handleConnectionFailure(
            instance: Self.instance(1), organization: Self.org, failed: pool[0], pool: pool, assignments: assignments,
            now: Self.now)
        #expect(decision == .assign(Self.proxyID(2)))
        #expect(failed.coolingDownUntil != nil)
        // The next session start on proxy 2 keeps it (no rotation without failure), even after proxy 1 recovers.
        let later = Self.now.addingTimeInterval(3_600)
        #expect(
            decide(current: 2, pool: [failed, pool[1]], assignments: [Self.assignment(1, to: 2)], at: later) == .keep)
        // While proxy 1 cools down, another instance is not sent there.
        #expect(decide(5, pool: [failed], assignments: [], at: Self.now.addingTimeInterval(10)) == .noneAvailable)
    }

    @Test("spreading: new instances go to the least loaded proxy and never over capacity")
    func spreading() {
        let pool = [Self.proxy(1, capacity: 2), Self.proxy(2, capacity: 2)]
        var assignments: [ProxyAssignment] = []
        for n in UInt64(1)...5 {
            switch decide(n, pool: pool, assignments: assignments) {
            case .assign(let id):
                assignments.append(ProxyAssignment(instanceID: Self.instance(n), organizationID: Self.org, proxyID: id))
            case .keep: Issue.record("nothing to keep")
            case .noneAvailable: #expect(n == 5)
            }
        }
        #expect(assignments.count == 4)
        #expect(assignments.filter { $0.proxyID == Self.proxyID(1) }.count == 2)
        #expect(assignments.filter { $0.proxyID == Self.proxyID(2) }.count == 2)
    }
}
