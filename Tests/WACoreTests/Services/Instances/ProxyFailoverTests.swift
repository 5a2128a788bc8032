import Foundation
import Testing
import WACore
import WACoreTesting

/// The supervisor keeps proxy health: a connection failure cools the proxy down and moves a pool instance to a
/// healthy proxy; a successful connection restores health.
@Suite("Proxy failover")
struct ProxyFailoverTests {
    @Test func aFailedProxyCoolsDownAndThePoolInstanceMovesToAHealthyOne() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let hosts = ["10.0.0.1", "10.0.0.2"]
        let proxies = try await h.env.store.transaction(.organization(org)) { tx in
            var stored: [ProxyServer] = []
            for host in hosts {
                stored.append(
                    try await tx.proxyServers.insert(
                        ProxyServer(
                            id: h.env.ids.make(), organizationID: org, scheme: .socks5, host: host, port: 1080,
                            capacity: 5, createdAt: h.clock.now())))
            }
            return stored
        }
        func proxy(_ id: ProxyServerID?) async throws -> ProxyServer {
            let id = try #require(id)
            return try await h.env.store.transaction(.organization(org)) { try await $0.proxyServers.get(id, in: org) }
        }
        let created = try await h.service.create(name: "pooled", proxyPolicy: .pool, by: admin)
        let first = try await proxy(created.proxyID)
        let second = try #require(proxies.first { $0.id != first.id })
        try await h.service.start(created.id, by: admin)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        try h.network.scan(qrCode: try #require(h.supervisor.linkCode(for: created.id)).value, with: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
        #expect(h.transport.configurations.last?.proxy?.host == first.host)

        // The proxy dies under the session.
        h.transport.setProxy(first.host, down: true)
        let failedAt = h.clock.now()
        h.network.disconnect(instance: created.id, reason: .proxyFailed)
        try await h.waitForStatus(.reconnecting, created.id, in: org)
        let moved = try await h.stored(created.id, in: org)
        #expect(moved.proxyID == second.id)
        let cooled = try await proxy(first.id)
        #expect(cooled.healthScore < 1 && (cooled.coolingDownUntil ?? .distantPast) > failedAt)
        let audit = try await h.env.store.transaction(.organization(org)) {
            try await $0.auditEvents.list(in: org, where: .init(action: "instance.proxy_changed"), page: .all).items
        }
        #expect(audit.map(\.metadata) == [
            ["from": first.id.description, "to": second.id.description, "reason": "connection_failure"]
        ])

        // The reconnect goes through the healthy proxy.
        try await h.clock.waitForSleepers(2)  // renewal + backoff
        h.clock.advanceToNextDeadline()
        try await h.waitForStatus(.ready, created.id, in: org)
        #expect(h.transport.configurations.last?.proxy?.host == second.host)
        #expect(try await proxy(second.id).healthScore == 1)

        // Now the second one dies too, while the first still cools down: the instance keeps retrying (never
        // direct), each failed attempt charged to the proxy it tried; once the first proxy's cool-down is over it
        // moves back, and connects as soon as that proxy is up again.
        h.transport.setProxy(second.host, down: true)
        h.network.disconnect(instance: created.id, reason: .timeout)
        try await h.waitForStatus(.reconnecting, created.id, in: org)
        #expect(try await h.stored(created.id, in: org).proxyID == second.id, "nothing better to move to")
        h.transport.setProxy(first.host, down: false)
        func ready() async throws -> Bool { try await h.stored(created.id, in: org).status == .ready }
        for _ in 0..<200 {
            // Renewal and backoff asleep: the next attempt is due at the earlier deadline. (The session may become
            // ready meanwhile, and then no backoff sleeps.)
            try await h.clock.waitUntil("renewal and backoff asleep, or ready") {
                if h.clock.sleeperCount >= 2 { return true }
                return try await ready()
            }
            if try await ready() { break }
            h.clock.advanceToNextDeadline()
        }
        try await h.waitForStatus(.ready, created.id, in: org)
        let attempts = h.transport.configurations.compactMap(\.proxy?.host)
        #expect(attempts.last == first.host)
        #expect(attempts.allSatisfy(hosts.contains), "never without a proxy")
        let secondAfter = try await proxy(second.id)
        #expect(secondAfter.healthScore < 0.7 && secondAfter.coolingDownUntil != nil)
        let firstAfter = try await proxy(first.id)
        #expect(firstAfter.coolingDownUntil == nil, "the successful connection ended its cool-down")
        #expect(try await h.stored(created.id, in: org).proxyID == first.id)
        await h.supervisor.stopAll()
    }

    @Test func crashedBrowsersDoNotCountAgainstTheProxy() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let only = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.proxyServers.insert(
                ProxyServer(
                    id: h.env.ids.make(), organizationID: org, scheme: .http, host: "10.0.0.9", port: 3128,
                    capacity: 2, createdAt: h.clock.now()))
        }
        let created = try await h.service.create(name: "pooled", proxyPolicy: .pool, by: admin)
        try await h.service.start(created.id, by: admin)
        try await h.waitForStatus(.awaitingQR, created.id, in: org)
        try h.network.scan(qrCode: try #require(h.supervisor.linkCode(for: created.id)).value, with: h.phone)
        try await h.waitForStatus(.ready, created.id, in: org)
        h.network.disconnect(instance: created.id, reason: .browserCrashed)
        try await h.waitForStatus(.reconnecting, created.id, in: org)
        let stored = try await h.env.store.transaction(.organization(org)) { try await $0.proxyServers.get(only.id, in: org) }
        #expect(stored.healthScore == 1 && stored.coolingDownUntil == nil)
        await h.supervisor.stopAll()
    }
}
