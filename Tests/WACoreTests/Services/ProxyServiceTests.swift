import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Proxy service")
struct ProxyServiceTests {
    let clock = TestClock()
    let env: ServiceEnvironment
    let proxies: ProxyService

    init() {
        env = .testing(clock: clock)
        proxies = ProxyService(environment: env)
    }

    private func organization(_ slug: String = "acme") async throws -> (OrganizationID, Principal) {
        let (organization, admin) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: slug, plan: .pro, adminEmail: "ana@\(slug).example", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        return (organization.id, .acting(as: admin))
    }

    private func stored(_ id: ProxyServerID, in org: OrganizationID) async throws -> ProxyServer {
        try await env.store.transaction(.organization(org)) { try await $0.proxyServers.get(id, in: org) }
    }

    private func audit(_ org: OrganizationID) async throws -> [AuditEvent] {
        try await env.store.transaction(.organization(org)) { try await $0.auditEvents.list(in: org, page: .all).items }
    }

    @Test func aPasswordIsSealedAndNeverReturned() async throws {
        let (org, admin) = try await organization()
        let created = try await proxies.create(
            .init(
                scheme: .socks5, host: "Proxy-1.Example.NET", port: 1080,
                credentials: .basic(username: "user", password: "s3cret-pass"), capacity: 3),
            by: admin)
        #expect(created.host == "proxy-1.example.net" && created.port == 1080 && created.capacity == 3)
        #expect(created.username == "user" && created.hasPassword && created.sealedPassword == [])
        let record = try await stored(created.id, in: org)
        let sealed = try #require(record.sealedPassword)
        #expect(!sealed.isEmpty)
        #expect(
            try env.secretBox.openString(sealed, context: InstanceSupervisor.proxyPasswordContext(org)) == "s3cret-pass",
            "sealed with the context the supervisor opens it with")
        for read in [try await proxies.get(created.id, by: admin), try await proxies.list(by: admin).items[0]] {
            #expect(read.sealedPassword == [] && read.hasPassword)
            let json = String(decoding: try JSONEncoder().encode(read), as: UTF8.self)
            #expect(!json.contains("s3cret-pass"))
        }
        let events = try await audit(org).filter { $0.action.hasPrefix("proxy.") }
        #expect(events.map(\.action) == ["proxy.created"])
        #expect(events[0].metadata == ["address": "socks5://proxy-1.example.net:1080", "credentials": "username_and_password"])
    }

    @Test func updatesChangeOnlyWhatIsGiven() async throws {
        let (org, admin) = try await organization()
        let created = try await proxies.create(
            .init(scheme: .http, host: "10.0.0.1", port: 3128, credentials: .basic(username: "u", password: "p1")),
            by: admin)
        let before = try await stored(created.id, in: org)
        let disabled = try await proxies.update(created.id, .init(capacity: 4, isEnabled: false), by: admin)
        #expect(disabled.capacity == 4 && !disabled.isEnabled && disabled.host == "10.0.0.1" && disabled.hasPassword)
        #expect(try await stored(created.id, in: org).sealedPassword == before.sealedPassword, "credentials kept")

        let moved = try await proxies.update(created.id, .init(scheme: .https, host: "proxy.example.org", port: 8443, credentials: .anonymous), by: admin)
        #expect(moved.scheme == .https && moved.host == "proxy.example.org" && moved.port == 8443)
        #expect(moved.username == nil && !moved.hasPassword)
        #expect(try await stored(created.id, in: org).sealedPassword == nil)

        let unchanged = try await proxies.update(created.id, .init(port: 8443), by: admin)
        #expect(unchanged.version == moved.version, "a change that changes nothing writes nothing")
        let actions = try await audit(org).filter { $0.action.hasPrefix("proxy.") }
        #expect(actions.map(\.action) == ["proxy.created", "proxy.updated", "proxy.updated"])
        #expect(actions[1].metadata["capacity"] == "4" && actions[1].metadata["enabled"] == "false")
        #expect(actions[2].metadata["previous_address"] == "http://10.0.0.1:3128" && actions[2].metadata["credentials"] == "none")
    }

    @Test func invalidValuesAndDuplicateAddressesAreRefused() async throws {
        let (_, admin) = try await organization()
        let cases: [(NewProxyServer, String)] = [
            (.init(scheme: .http, host: "", port: 80), "host"),
            (.init(scheme: .http, host: "bad host", port: 80), "host"),
            (.init(scheme: .http, host: "user@host", port: 80), "host"),
            (.init(scheme: .http, host: "proxy.example.net", port: 0), "port"),
            (.init(scheme: .http, host: "proxy.example.net", port: 65_536), "port"),
            (.init(scheme: .http, host: "proxy.example.net", port: 80, capacity: 0), "capacity"),
            (.init(scheme: .http, host: "proxy.example.net", port: 80, credentials: .basic(username: "", password: nil)), "username"),
            (.init(scheme: .http, host: "proxy.example.net", port: 80, credentials: .basic(username: "a:b", password: nil)), "username"),
            (.init(scheme: .http, host: "proxy.example.net", port: 80, credentials: .basic(username: "u", password: "")), "password"),
        ]
        for (proxy, field) in cases {
            let error = await expectWAError(.invalidArgument, "\(proxy)") { try await proxies.create(proxy, by: admin) }
            #expect(error?.field == field, "\(proxy)")
        }
        #expect(try await proxies.list(by: admin).items.isEmpty)
        _ = try await proxies.create(.init(scheme: .http, host: "proxy.example.net", port: 80), by: admin)
        let duplicate = await expectWAError(.alreadyExists) {
            try await proxies.create(.init(scheme: .http, host: "PROXY.example.net", port: 80), by: admin)
        }
        #expect(duplicate?.field == "address")
        // Another scheme or port is another address.
        _ = try await proxies.create(.init(scheme: .socks5, host: "proxy.example.net", port: 80), by: admin)
    }

    @Test func aProxyInUseIsNotDeleted() async throws {
        let (org, admin) = try await organization()
        let (otherOrg, stranger) = try await organization("other")
        let used = try await proxies.create(.init(scheme: .http, host: "10.0.0.1", port: 3128), by: admin)
        let free = try await proxies.create(.init(scheme: .http, host: "10.0.0.2", port: 3128), by: admin)
        let instance = Instance(id: env.ids.make(), organizationID: org, name: "main", proxyPolicy: .pool, proxyID: used.id, createdAt: clock.now())
        _ = try await env.store.transaction(.organization(org)) { try await $0.instances.insert(instance) }

        let refused = await expectWAError(.proxyInUse) { try await proxies.delete(used.id, by: admin) }
        #expect(refused?.message.contains("1 instance uses") == true)
        _ = try await stored(used.id, in: org)
        await expectWAError(.notFound) { try await proxies.delete(free.id, by: stranger) }
        await expectWAError(.notFound) { try await proxies.get(free.id, by: stranger) }
        #expect(otherOrg != org)

        try await proxies.delete(free.id, by: admin)
        await expectWAError(.notFound) { try await proxies.get(free.id, by: admin) }
        await expectWAError(.notFound) { try await proxies.delete(free.id, by: admin) }

        // Once the instance has moved off it, it goes.
        _ = try await env.store.transaction(.organization(org)) { tx in
            try await tx.instances.modify(instance.id, in: org) { $0.proxyID = nil }
        }
        try await proxies.delete(used.id, by: admin)
        let actions = try await audit(org).map(\.action).filter { $0.hasPrefix("proxy.") }
        #expect(actions == ["proxy.created", "proxy.created", "proxy.deleted", "proxy.deleted"])
    }

    @Test func listsArePaged() async throws {
        let (_, admin) = try await organization()
        for index in 1...5 {
            _ = try await proxies.create(.init(scheme: .http, host: "10.0.0.\(index)", port: 3128), by: admin)
        }
        let first = try await proxies.list(by: admin, page: try PageRequest(limit: 2, order: .oldestFirst))
        #expect(first.items.map(\.host) == ["10.0.0.1", "10.0.0.2"])
        let second = try await proxies.list(by: admin, page: try PageRequest(limit: 2, cursor: first.nextCursor))
        #expect(second.items.map(\.host) == ["10.0.0.3", "10.0.0.4"])
    }
}
