public import WACore

extension Page {
    /// Presents the instance's browser identity: its user agent with matching client hints, `navigator.platform`,
    /// `Accept-Language` and `navigator.languages`, its time zone and its locale (the first language). The window
    /// size is the launch's (``ChromiumLaunchOptions/windowSize``).
    public func present(_ fingerprint: Fingerprint) async throws {
        let hints = fingerprint.clientHints
        let brands = hints.brands.map { CDP.Emulation.Brand(brand: $0.brand, version: $0.version) }
        try await setUserAgent(
            fingerprint.userAgent, acceptLanguage: fingerprint.languages.isEmpty ? nil : fingerprint.languages.joined(separator: ","),
            platform: fingerprint.platform,
            metadata: CDP.Emulation.UserAgentMetadata(
                brands: brands, platform: hints.platform, platformVersion: hints.platformVersion,
                architecture: hints.architecture, mobile: hints.mobile))
        try await emulate(timeZone: fingerprint.timeZone, locale: fingerprint.languages.first)
    }
}
