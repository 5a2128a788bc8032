/// Generates an instance's browser identity, deterministically and consistent by construction.
///
/// The operating system is chosen first and every OS-dependent part (user agent, `navigator.platform`, client-hint
/// platform, version and architecture, screen, device name) comes from that system's own tables in
/// ``BrowserOperatingSystem``; the brand list comes from Chromium's GREASE algorithm for the real browser version
/// (``ChromiumVersion/brands(product:)``); the country decides the time zone and the locale the languages
/// (``FingerprintRegion``). Every generated fingerprint passes ``FingerprintValidator/validate(_:)``.
///
/// The choice is seeded by the instance id and the pairing generation (``FingerprintRequest``), so regenerating
/// gives the same profile and only re-pairing (generation + 1) changes it. The fingerprint is also stored on the
/// instance; regeneration is a convenience, not the source of truth (tables may grow between library versions).
///
/// ```swift
/// let version = try ChromiumVersion(parsing: "Chrome/156.0.8078.108")
/// let fingerprint = try FingerprintGenerator().generate(
///     FingerprintRequest(instanceID: instance.id, browserVersion: version, operatingSystem: .linux,
///                        phone: instance.phone))
/// ```
public struct FingerprintGenerator: Sendable, Hashable {
    /// The country used when neither the request's country, phone nor locale names one. Default `US`.
    public var defaultCountry: String

    /// A generator falling back to `defaultCountry` when a request names no country.
    public init(defaultCountry: String = "US") {
        self.defaultCountry = defaultCountry
    }

    /// The fingerprint for `request`.
    ///
    /// Throws ``WAError/Code-swift.enum/invalidArgument`` for an unknown country (field `country`), a malformed
    /// locale or one that does not fit the named country (field `locale`), or a negative generation.
    public func generate(_ request: FingerprintRequest) throws(WAError) -> Fingerprint {
        guard request.generation >= 0 else { throw WAError.invalid("generation", "must not be negative") }
        var stream = DeterministicStream(bytes: request.seedBytes)

        // 1. The operating system, then everything that depends on it.
        let os = request.operatingSystem ?? stream.weighted(BrowserOperatingSystem.weights)
        let platformVersion = stream.weighted(os.platformVersions.map { ($0.version, $0.weight) })
        let architecture = stream.weighted(os.architectures.map { ($0.architecture, $0.weight) })
        let screen = stream.weighted(os.screens.map { ($0.screen, $0.weight) })

        // 2. Where the person lives and what they read.
        let (region, locale) = try resolveRegionAndLocale(request, stream: &stream)
        let timeZone = stream.weighted(region.timeZones.map { ($0.identifier, $0.weight) })
        let languages = Self.languages(for: locale, addEnglish: stream.chance(1, in: 2))

        return Fingerprint(
            userAgent: os.userAgent(version: request.browserVersion),
            platform: os.navigatorPlatform,
            clientHints: Fingerprint.ClientHints(
                brands: request.browserVersion.brands(product: request.product),
                platform: os.clientHintPlatform,
                platformVersion: platformVersion,
                architecture: architecture,
                mobile: false),
            languages: languages,
            timeZone: timeZone,
            screen: screen,
            deviceName: os.deviceName)
    }

    /// `navigator.languages` for `locale`: the locale, its bare language, and (when `addEnglish` and the language
    /// is not English) `en-US`, `en`. No q-values: Chrome adds them to `Accept-Language` itself.
    static func languages(for locale: String, addEnglish: Bool) -> [String] {
        let language = FingerprintRegion.language(of: locale)
        var list = [locale]
        if language != locale { list.append(language) }
        if addEnglish, language != "en" { list.append(contentsOf: ["en-US", "en"]) }
        return list
    }

    /// Canonical `ll-RR` / `ll` form of a locale (`pt_br` → `pt-BR`), or `nil` when it is not of that shape.
    static func canonicalLocale(_ text: String) -> String? {
        let parts = String(text.map { $0 == "_" ? "-" : $0 }).split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return nil }
        let language = parts[0].lowercased()
        guard (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        guard parts.count == 2 else { return language }
        let region = parts[1].uppercased()
        guard region.count == 2, region.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return language + "-" + region
    }

    private func resolveRegionAndLocale(
        _ request: FingerprintRequest, stream: inout DeterministicStream
    ) throws(WAError) -> (FingerprintRegion, String) {
        var requestedLocale: String?
        if let text = request.locale {
            guard let canonical = Self.canonicalLocale(text) else {
                throw WAError.invalid("locale", "not a language or language-region tag")
            }
            requestedLocale = canonical
        }
        let localeRegion = requestedLocale.flatMap(FingerprintRegion.region(of:)).flatMap(FingerprintRegion.named)
        // The first region speaking the requested language (regions are listed roughly by WhatsApp usage).
        let languageRegion = requestedLocale.flatMap { locale -> FingerprintRegion? in
            let language = FingerprintRegion.language(of: locale)
            return FingerprintRegion.all.first { $0.languages.contains(language) }
        }

        let region: FingerprintRegion
        if let code = request.country {
            guard let named = FingerprintRegion.named(code) else {
                throw WAError.invalid("country", "no fingerprint data for this country")
            }
            region = named
        } else if let phoneRegion = request.phone?.region.flatMap(FingerprintRegion.named),
            requestedLocale.map(phoneRegion.accepts(locale:)) ?? true
        {
            region = phoneRegion
        } else if let found = localeRegion ?? languageRegion {
            region = found
        } else if let fallback = FingerprintRegion.named(defaultCountry) {
            region = fallback
        } else {
            throw WAError.invalid("defaultCountry", "no fingerprint data for this country")
        }

        let locale: String
        if let requested = requestedLocale {
            if FingerprintRegion.region(of: requested) != nil {
                locale = requested
            } else if let match = region.locales.first(where: { FingerprintRegion.language(of: $0) == requested }) {
                locale = match
            } else if let match = languageRegion?.locales.first(where: {
                FingerprintRegion.language(of: $0) == requested
            }) {
                locale = match
            } else {
                throw WAError.invalid("locale", "no fingerprint data for this language")
            }
        } else {
            // The country's main locale most of the time, its others now and then.
            let weights = region.locales.enumerated().map { ($0.element, $0.offset == 0 ? 4 * region.locales.count : 1) }
            locale = stream.weighted(weights)
        }
        guard region.accepts(locale: locale) else {
            throw WAError.invalid("locale", "the locale does not fit the country")
        }
        return (region, locale)
    }
}
