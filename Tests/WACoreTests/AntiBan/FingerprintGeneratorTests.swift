import Foundation
import Testing
import WACore

@Suite("FingerprintGenerator")
struct FingerprintGeneratorTests {
    let generator = FingerprintGenerator()
    let version = try! ChromiumVersion(parsing: "Chrome/156.0.8078.108")

    static func instanceID(_ n: UInt64) -> InstanceID {
        InstanceID(high: 0x0190_0000_0000_7000 | (n << 20), low: 0x8000_0000_0000_0000 | n &* 0x9E37_79B9)
    }

    @Test("1,000 profiles across systems, countries and locales are consistent")
    func thousandConsistent() throws {
        let regions = FingerprintRegion.all
        var systems: Set<String> = []
        var zones: Set<String> = []
        for n in 0..<1_000 {
            let region = regions[n % regions.count]
            let os: BrowserOperatingSystem? = n % 4 == 3 ? nil : BrowserOperatingSystem.allCases[n % 3]
            let locale: String? = n % 5 == 0 ? region.locales.last : nil
            let request = FingerprintRequest(
                instanceID: Self.instanceID(UInt64(n)), generation: n % 3, browserVersion: version,
                product: n % 2 == 0 ? .chromium : .googleChrome, operatingSystem: os, country: region.code,
                locale: locale)
            let fingerprint = try generator.generate(request)
            let problems = FingerprintValidator.problems(in: fingerprint)
            #expect(problems.isEmpty, "\(fingerprint): \(problems)")
            try FingerprintValidator.validate(fingerprint)
            #expect(FingerprintRegion.owning(timeZone: fingerprint.timeZone)?.code == region.code)
            if let os { #expect(fingerprint.platform == os.navigatorPlatform) }
            if let locale { #expect(fingerprint.languages.first == locale) }
            #expect(fingerprint.userAgent.contains("Chrome/156.0.0.0"))
            systems.insert(fingerprint.platform)
            zones.insert(fingerprint.timeZone)
        }
        #expect(systems.count == 3)
        #expect(zones.count > 40)
    }

    @Test("stable for the same instance and generation; different after re-pairing")
    func stability() throws {
        var changed = 0
        for n in 0..<200 {
            let request = FingerprintRequest(instanceID: Self.instanceID(UInt64(n)), browserVersion: version, country: "BR")
            let first = try generator.generate(request)
            #expect(try generator.generate(request) == first)
            var repaired = request
            repaired.generation += 1
            let second = try generator.generate(repaired)
            #expect(try generator.generate(repaired) == second)
            if second != first { changed += 1 }
        }
        // A re-pair draws a new profile; with a single-zone-heavy country a few may coincide by chance.
        #expect(changed >= 190)
    }

    @Test("different instances get different profiles")
    func spread() throws {
        var seen: Set<Fingerprint> = []
        for n in 0..<300 {
            seen.insert(
                try generator.generate(FingerprintRequest(instanceID: Self.instanceID(UInt64(n)), browserVersion: version)))
        }
        #expect(seen.count > 100)
    }

    @Test("the user agent and client hints follow the real browser version")
    func versionFollowsBrowser() throws {
        let request = FingerprintRequest(
            instanceID: Self.instanceID(1), browserVersion: version, operatingSystem: .linux, country: "DE")
        let fingerprint = try generator.generate(request)
        #expect(
            fingerprint.userAgent
                == "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36")
        #expect(fingerprint.platform == "Linux x86_64")
        #expect(fingerprint.clientHints.platform == "Linux")
        #expect(fingerprint.clientHints.mobile == false)
        // Probe on Chromium 156 (reference/cdp.md §2): brands `Not:A-Brand|Chromium`.
        #expect(
            fingerprint.clientHints.brands == [
                Fingerprint.Brand(brand: "Not:A-Brand", version: "8"), Fingerprint.Brand(brand: "Chromium", version: "156"),
            ])
        #expect(fingerprint.deviceName == "Chrome (Linux)")
        #expect(fingerprint.timeZone == "Europe/Berlin")
        #expect(fingerprint.languages.prefix(2) == ["de-DE", "de"])
    }

    @Test("GREASE brands match real Chrome releases")
    func greaseMatchesChrome() {
        // Chrome 120: "Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120".
        #expect(
            ChromiumVersion(major: 120).brands(product: .googleChrome).map { "\($0.brand);\($0.version)" }
                == ["Not_A Brand;8", "Chromium;120", "Google Chrome;120"])
        // Chrome 124: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99".
        #expect(
            ChromiumVersion(major: 124).brands(product: .googleChrome).map { "\($0.brand);\($0.version)" }
                == ["Chromium;124", "Google Chrome;124", "Not-A.Brand;99"])
        let full = ChromiumVersion(major: 156, minor: 0, build: 8078, patch: 108).fullVersionList(product: .chromium)
        #expect(full.map { "\($0.brand);\($0.version)" } == ["Not:A-Brand;8.0.0.0", "Chromium;156.0.8078.108"])
    }

    @Test("version parsing")
    func versionParsing() throws {
        #expect(try ChromiumVersion(parsing: "HeadlessChrome/156.0.8078.108") == ChromiumVersion(major: 156, build: 8078, patch: 108))
        #expect(try ChromiumVersion(parsing: "131") == ChromiumVersion(major: 131))
        #expect(ChromiumVersion(major: 131) < ChromiumVersion(major: 131, patch: 1))
        for bad in ["", "Chrome/", "x.1", "1.2.3.4.5", "0.1", "-1"] {
            expectWAError(.invalidArgument) { try ChromiumVersion(parsing: bad) }
        }
    }

    @Test("the phone number's region decides the time zone")
    func phoneRegion() throws {
        let phone = try PhoneNumber("+5511987654321")
        let fingerprint = try generator.generate(
            FingerprintRequest(instanceID: Self.instanceID(9), browserVersion: version, phone: phone))
        #expect(FingerprintRegion.owning(timeZone: fingerprint.timeZone)?.code == "BR")
        #expect(fingerprint.languages.first == "pt-BR")
    }

    @Test("a locale alone decides the country; a bare language gets its usual region")
    func localeDecides() throws {
        let german = try generator.generate(
            FingerprintRequest(instanceID: Self.instanceID(10), browserVersion: version, locale: "de_at"))
        #expect(german.languages.first == "de-AT")
        #expect(german.timeZone == "Europe/Vienna")
        let portuguese = try generator.generate(
            FingerprintRequest(instanceID: Self.instanceID(11), browserVersion: version, locale: "pt"))
        #expect(portuguese.languages.first == "pt-BR")
        // An explicit locale that contradicts the phone's country wins over the phone.
        let expat = try generator.generate(
            FingerprintRequest(
                instanceID: Self.instanceID(12), browserVersion: version, phone: try PhoneNumber("+5511987654321"),
                locale: "de-DE"))
        #expect(expat.timeZone == "Europe/Berlin")
        #expect(FingerprintValidator.problems(in: expat).isEmpty)
    }

    @Test("impossible inputs are rejected")
    func rejected() {
        let id = Self.instanceID(13)
        expectWAError(.invalidArgument) {
            try generator.generate(FingerprintRequest(instanceID: id, browserVersion: version, country: "ZZ"))
        }
        expectWAError(.invalidArgument) {
            try generator.generate(FingerprintRequest(instanceID: id, browserVersion: version, country: "DE", locale: "ja-JP"))
        }
        expectWAError(.invalidArgument) {
            try generator.generate(FingerprintRequest(instanceID: id, browserVersion: version, locale: "pt-BR;q=0.9"))
        }
        expectWAError(.invalidArgument) {
            try generator.generate(FingerprintRequest(instanceID: id, generation: -1, browserVersion: version))
        }
    }

    @Test("the validator catches each kind of inconsistency")
    func validatorCatches() throws {
        let good = try generator.generate(
            FingerprintRequest(instanceID: Self.instanceID(14), browserVersion: version, operatingSystem: .windows, country: "BR"))
        #expect(FingerprintValidator.problems(in: good).isEmpty)
        var cases: [(String, (inout Fingerprint) -> Void)] = [
            ("mac UA on Windows", { $0.userAgent = BrowserOperatingSystem.macOS.userAgent(version: ChromiumVersion(major: 156)) }),
            ("unknown platform", { $0.platform = "iPhone" }),
            ("hint platform", { $0.clientHints.platform = "macOS" }),
            ("platform version", { $0.clientHints.platformVersion = "14.7.6" }),
            ("architecture", { $0.clientHints.architecture = "arm" }),
            ("mobile", { $0.clientHints.mobile = true }),
            ("brands of another version", { $0.clientHints.brands = ChromiumVersion(major: 155).brands(product: .chromium) }),
            ("headless brand", { $0.clientHints.brands = [Fingerprint.Brand(brand: "HeadlessChrome", version: "156")] }),
            ("mac screen", { $0.screen = Fingerprint.Screen(width: 1512, height: 982, deviceScaleFactor: 2) }),
            ("device name", { $0.deviceName = "Chrome (Mac OS)" }),
            ("no languages", { $0.languages = [] }),
            ("q-value", { $0.languages = ["pt-BR", "pt;q=0.9"] }),
            ("duplicates", { $0.languages = ["pt-BR", "pt", "pt"] }),
            ("missing bare language", { $0.languages = ["pt-BR", "en"] }),
            ("zone of another country", { $0.timeZone = "Asia/Tokyo" }),
            ("language not spoken there", { $0.languages = ["ja-JP", "ja"] }),
            ("old UA version format", { $0.userAgent = $0.userAgent.replacingOccurrences(of: "156.0.0.0", with: "156.0.8078.108") }),
        ]
        cases.append(("time zone of Germany with pt-BR", { $0.timeZone = "Europe/Berlin" }))
        for (name, mutate) in cases {
            var bad = good
            mutate(&bad)
            #expect(!FingerprintValidator.problems(in: bad).isEmpty, "\(name) was not caught")
            expectWAError(.inconsistentFingerprint) { try FingerprintValidator.validate(bad) }
        }
    }

    @Test("every table time zone is a real IANA zone, owned by exactly one region")
    func tablesAreReal() {
        var owners: [String: String] = [:]
        for region in FingerprintRegion.all {
            #expect(!region.locales.isEmpty && !region.timeZones.isEmpty)
            for zone in region.timeZones {
                #expect(TimeZone(identifier: zone.identifier) != nil, "\(zone.identifier)")
                #expect(owners[zone.identifier] == nil, "\(zone.identifier) in two regions")
                owners[zone.identifier] = region.code
            }
            for locale in region.locales { #expect(region.accepts(locale: locale)) }
        }
        for os in BrowserOperatingSystem.allCases {
            #expect(!os.screens.isEmpty && !os.platformVersions.isEmpty && !os.architectures.isEmpty)
        }
    }
}
