public import Foundation

/// The pure decisions about an instance's identity on the network: its browser fingerprint and its proxy.
///
/// - **Fingerprint:** ``FingerprintGenerator`` seeded by the instance id and its ``Instance/pairingGeneration``,
///   claiming ``browserVersion``, the version of the browser that really runs the sessions. The same instance and
///   generation always give the same fingerprint; a new pairing (generation + 1) gives a new one.
/// - **Proxy:** ``ProxyPolicy/none`` connects directly, ``ProxyPolicy/fixed(_:)`` uses that proxy, and
///   ``ProxyPolicy/pool`` asks ``ProxyRotation`` for a sticky, health-aware choice from the organization's pool.
public struct InstanceProvisioning: Sendable, Hashable {
    /// The Chromium release assumed when none is configured. Adapters running a real browser pass the version it
    /// reports (`Browser.getVersion`): the fingerprint must never claim another one.
    public static let defaultBrowserVersion = ChromiumVersion(major: 156, minor: 0, build: 8078, patch: 108)

    /// The version of the browser that runs sessions.
    public var browserVersion: ChromiumVersion
    /// The brand list to present (Chromium or Google Chrome).
    public var browserProduct: BrowserProduct
    /// The operating system to present; `nil` lets the seed choose.
    public var operatingSystem: BrowserOperatingSystem?
    public var fingerprintGenerator: FingerprintGenerator
    public var proxyRotation: ProxyRotation

    public init(
        browserVersion: ChromiumVersion = Self.defaultBrowserVersion, browserProduct: BrowserProduct = .chromium,
        operatingSystem: BrowserOperatingSystem? = nil, fingerprintGenerator: FingerprintGenerator = .init(),
        proxyRotation: ProxyRotation = .init()
    ) {
        self.browserVersion = browserVersion
        self.browserProduct = browserProduct
        self.operatingSystem = operatingSystem
        self.fingerprintGenerator = fingerprintGenerator
        self.proxyRotation = proxyRotation
    }

    /// The fingerprint for the instance's current pairing generation (its phone, when known, picks the region).
    public func fingerprint(for instance: Instance) throws(WAError) -> Fingerprint {
        try fingerprintGenerator.generate(
            FingerprintRequest(
                instanceID: instance.id, generation: instance.pairingGeneration, browserVersion: browserVersion,
                product: browserProduct, operatingSystem: operatingSystem, phone: instance.phone))
    }

    /// How `instance` should connect.
    ///
    /// - Parameters:
    ///   - pool: the organization's proxies.
    ///   - assignments: every current proxy assignment the pool's capacity must account for.
    ///   - trigger: why the question is asked (a start keeps a usable proxy; re-pairing prefers another one).
    public func proxyChoice(
        for instance: Instance, pool: [ProxyServer], assignments: [ProxyAssignment], now: Date,
        trigger: ProxyRotationTrigger = .sessionStart
    ) -> InstanceProxyChoice {
        switch instance.proxyPolicy {
        case .none:
            return .direct
        case .fixed(let id):
            return .proxy(id)
        case .pool:
            let decision = proxyRotation.assign(
                instance: instance.id, organization: instance.organizationID, current: instance.proxyID, pool: pool,
                assignments: assignments, now: now, trigger: trigger)
            switch decision {
            case .keep:
                return instance.proxyID.map(InstanceProxyChoice.proxy) ?? .unavailable
            case .assign(let id):
                return .proxy(id)
            case .noneAvailable:
                return .unavailable
            }
        }
    }
}
