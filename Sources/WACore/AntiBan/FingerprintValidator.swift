/// Checks that a ``Fingerprint``'s parts agree with each other and with reality.
///
/// The rules (each problem is reported as one line of text):
/// - the user agent is the reduced Chrome user agent of one ``BrowserOperatingSystem`` (`Chrome/<major>.0.0.0`);
/// - `navigator.platform`, the client-hint platform, platform version and architecture come from that system's
///   tables, and `mobile` is false;
/// - the brand list is exactly what Chromium (or Google Chrome) of that major version reports, GREASE included;
/// - the screen is one of that system's screens, and the device name is `Chrome (<system>)`;
/// - the languages are non-empty canonical tags without q-values or duplicates, and a regional first language is
///   followed by its bare language;
/// - the time zone belongs to a known ``FingerprintRegion`` that accepts the first language.
public enum FingerprintValidator {
    /// Everything wrong with `fingerprint` (empty when it is consistent).
    public static func problems(in fingerprint: Fingerprint) -> [String] {
        var problems: [String] = []
        guard let os = BrowserOperatingSystem.from(navigatorPlatform: fingerprint.platform) else {
            return ["unknown navigator.platform \(fingerprint.platform)"]
        }

        // User agent ↔ operating system ↔ version.
        var major: Int?
        let prefix = "Mozilla/5.0 (\(os.userAgentToken)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
        let suffix = ".0.0.0 Safari/537.36"
        if fingerprint.userAgent.hasPrefix(prefix), fingerprint.userAgent.hasSuffix(suffix) {
            let middle = fingerprint.userAgent.dropFirst(prefix.count).dropLast(suffix.count)
            if !middle.isEmpty, middle.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(middle), value > 0 {
                major = value
            }
        }
        if major == nil { problems.append("user agent is not a \(os.clientHintPlatform) Chrome user agent") }

        let hints = fingerprint.clientHints
        if hints.platform != os.clientHintPlatform {
            problems.append("client-hint platform \(hints.platform) contradicts \(os.navigatorPlatform)")
        }
        if !os.platformVersions.contains(where: { $0.version == hints.platformVersion }) {
            problems.append("platform version \(hints.platformVersion) is not a \(os.clientHintPlatform) version")
        }
        if !os.architectures.contains(where: { $0.architecture == hints.architecture }) {
            problems.append("architecture \(hints.architecture) is not used by \(os.clientHintPlatform)")
        }
        if hints.mobile { problems.append("a desktop browser is not mobile") }
        if let major {
            let version = ChromiumVersion(major: major)
            let matches = BrowserProduct.allCases.contains { version.brands(product: $0) == hints.brands }
            if !matches { problems.append("brands do not match Chromium \(major)") }
        }

        // Screen and device name.
        if !os.screens.contains(where: { $0.screen == fingerprint.screen }) {
            problems.append(
                "screen \(fingerprint.screen.width)x\(fingerprint.screen.height)@\(fingerprint.screen.deviceScaleFactor) is not a \(os.clientHintPlatform) screen"
            )
        }
        if fingerprint.deviceName != os.deviceName {
            problems.append("device name \(fingerprint.deviceName) should be \(os.deviceName)")
        }

        // Languages.
        let languages = fingerprint.languages
        if languages.isEmpty { problems.append("no languages") }
        for language in languages where FingerprintGenerator.canonicalLocale(language) != language {
            problems.append("language \(language) is not a canonical tag (no q-values)")
        }
        if Set(languages).count != languages.count { problems.append("duplicate languages") }
        if let first = languages.first, FingerprintRegion.region(of: first) != nil,
            !languages.contains(FingerprintRegion.language(of: first))
        {
            problems.append("the bare language of \(first) is missing")
        }

        // Time zone ↔ country ↔ language.
        if let region = FingerprintRegion.owning(timeZone: fingerprint.timeZone) {
            if let first = languages.first, !region.accepts(locale: first) {
                problems.append("time zone \(fingerprint.timeZone) (\(region.code)) does not fit language \(first)")
            }
        } else {
            problems.append("unknown time zone \(fingerprint.timeZone)")
        }
        return problems
    }

    /// Throws ``WAError/Code-swift.enum/inconsistentFingerprint`` naming the first problem, if there is one.
    public static func validate(_ fingerprint: Fingerprint) throws(WAError) {
        if let first = problems(in: fingerprint).first {
            throw WAError(.inconsistentFingerprint, first, field: "fingerprint")
        }
    }
}
