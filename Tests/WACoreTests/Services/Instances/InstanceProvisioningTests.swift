import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Instance provisioning")
struct InstanceProvisioningTests {
    @Test func backoffDoublesUpToTheCap() {
        let backoff = ReconnectBackoff()
        let nominal = (0..<12).map { backoff.nominalDelay(attempt: $0).inSeconds }
        #expect(nominal == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        #expect(backoff.nominalDelay(attempt: 10_000).inSeconds == 300)
    }

    @Test func jitterStaysWithinItsBandAndIsSeeded() {
        let backoff = ReconnectBackoff()
        let random = SeededRandomSource(seed: 3)
        for attempt in 0..<12 {
            let nominal = backoff.nominalDelay(attempt: attempt).inSeconds
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt, random: random).inSeconds
                #expect(delay >= nominal * 0.8 - 1e-6 && delay <= min(300, nominal * 1.2) + 1e-6)
            }
        }
        let a = (0..<5).map { ReconnectBackoff().delay(attempt: $0, random: SeededRandomSource(seed: 9)) }
        let b = (0..<5).map { ReconnectBackoff().delay(attempt: $0, random: SeededRandomSource(seed: 9)) }
        #expect(a == b)
        #expect(ReconnectBackoff(jitter: 0).delay(attempt: 2, random: SeededRandomSource(seed: 1)) == .seconds(4))
    }

    @Test func fingerprintFollowsTheConfiguredBrowserAndGeneration() async throws {
        let h = InstanceHarness()
        let (_, admin) = try await h.tenant()
        let instance = try await h.service.create(name: "fp", by: admin)
        let provisioning = InstanceProvisioning(browserVersion: ChromiumVersion(major: 140), operatingSystem: .linux)
        let fingerprint = try provisioning.fingerprint(for: instance)
        #expect(fingerprint.userAgent.contains("Chrome/140.0.0.0") && fingerprint.platform == "Linux x86_64")
        #expect(try provisioning.fingerprint(for: instance) == fingerprint)
        var next = instance
        next.pairingGeneration = 1
        #expect(try provisioning.fingerprint(for: next) != fingerprint)
    }

    @Test func poolProxyIsAssignedAtCreationAndUnsealedForTheSession() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let sealed = try h.env.secretBox.seal(Array("s3cret".utf8), context: InstanceSupervisor.proxyPasswordContext(org))
        let proxy = try await h.env.store.transaction(.organization(org)) { tx in
            try await tx.proxyServers.insert(
                ProxyServer(
                    id: h.env.ids.make(), organizationID: org, scheme: .socks5, host: "10.0.0.7", port: 1080,
                    username: "wa", sealedPassword: sealed, capacity: 1, createdAt: h.clock.now()))
        }
        let instance = try await h.service.create(name: "proxied", proxyPolicy: .pool, by: admin)
        #expect(instance.proxyID == proxy.id)

        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.awaitingQR, instance.id, in: org)
        let endpoint = try #require(h.transport.configurations.last?.proxy)
        #expect(endpoint == ProxyEndpoint(scheme: .socks5, host: "10.0.0.7", port: 1080, username: "wa", password: "s3cret"))

        // The pool's only proxy is full: a second pool instance has none and cannot start (never direct).
        let second = try await h.service.create(name: "crowded", proxyPolicy: .pool, by: admin)
        #expect(second.proxyID == nil)
        await expectWAError(.noProxyAvailable) { try await h.service.start(second.id, by: admin) }
        #expect(try await h.lease(second.id, in: org) == nil)  // the lease was rolled back with the rest
        #expect(try await h.stored(second.id, in: org).status == .created)
        await h.supervisor.stopAll()
    }

    /// An organization without any enabled proxy cannot start a pool instance, and waiting will not change that:
    /// the answer is `invalid_instance_state` (409), not the passing `no_proxy_available` (503).
    @Test func aPoolInstanceWithoutAnyProxyIsAConfigurationError() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.service.create(name: "pooled", proxyPolicy: .pool, by: admin)
        let error = await expectWAError(.invalidInstanceState) { try await h.service.start(instance.id, by: admin) }
        #expect(error?.field == "proxy_policy")
        #expect(try await h.lease(instance.id, in: org) == nil)
        await h.supervisor.stopAll()
    }

    @Test func fixedProxyMustExist() async throws {
        let h = InstanceHarness()
        let (_, admin) = try await h.tenant()
        let error = await expectWAError(.notFound) {
            try await h.service.create(name: "fixed", proxyPolicy: .fixed(h.env.ids.make()), by: admin)
        }
        #expect(error?.field == "proxy_policy")
    }

    @Test func theSealedArchiveNeverAppearsInDescriptions() throws {
        let sealed: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        let instance = Instance(
            id: InstanceID(high: 3, low: 4), organizationID: OrganizationID(high: 1, low: 2), name: "support",
            status: .ready, desiredState: .running, createdAt: Date(timeIntervalSince1970: 0))
        #expect(instance.description == "Instance(\(instance.id), support, ready)")
        #expect(instance.debugDescription == instance.description)
        #expect("\(instance)" == instance.description && String(reflecting: instance) == instance.description)
        #expect(!Mirror(reflecting: instance).children.contains { $0.label?.lowercased().contains("archive") == true })
        // The archive is a record of its own, which redacts its bytes.
        let archive = SealedSessionArchive(
            instanceID: instance.id, organizationID: instance.organizationID, sealed: sealed,
            updatedAt: Date(timeIntervalSince1970: 0))
        #expect(archive.instanceID == instance.id)
        var dumped = ""
        dump(archive, to: &dumped)
        for text in [archive.description, String(reflecting: archive), dumped] {
            #expect(!text.contains("222") && !text.contains("173") && !text.contains("dead"), "\(text)")
        }
        #expect(dumped.contains("<redacted>"))
    }

    @Test func newFieldsDefaultToNothingStoredAndNotRunning() throws {
        let instance = Instance(
            id: InstanceID(high: 3, low: 4), organizationID: OrganizationID(high: 1, low: 2), name: "support",
            createdAt: Date(timeIntervalSince1970: 0))
        #expect(instance.desiredState == .stopped)
        #expect(InstanceDesiredState.allCases.map(\.rawValue) == ["running", "stopped"])
        let running = instance.restored(status: .ready, desiredState: .running)
        let json = try JSONEncoder().encode(running)
        #expect(String(decoding: json, as: UTF8.self).contains(#""desiredState":"running""#))
        #expect(try JSONDecoder().decode(Instance.self, from: json) == running)
        // An instance stored before the archive had a record of its own still decodes (the old field is ignored).
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["sealedArchive"] = [1, 2, 3]
        let old = try JSONSerialization.data(withJSONObject: object)
        #expect(try JSONDecoder().decode(Instance.self, from: old) == running)
    }
}
