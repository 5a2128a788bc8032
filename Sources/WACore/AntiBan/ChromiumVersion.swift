/// The version of the browser that actually runs an instance, as `Browser.getVersion` reports it
/// (`"Chrome/156.0.8078.108"` or `"HeadlessChrome/156.0.8078.108"`).
///
/// The fingerprint never claims a different version than the real browser's (`reference/cdp.md` §3.7): workers
/// and service workers see the real one, so a mismatch would be a tell.
public struct ChromiumVersion: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The major version (`156`): the only part the user agent and brand list reveal.
    public var major: Int
    /// The minor version (always 0 in released Chromium so far).
    public var minor: Int
    /// The build number (`8078`).
    public var build: Int
    /// The patch number (`108`).
    public var patch: Int

    /// A version from its four components.
    public init(major: Int, minor: Int = 0, build: Int = 0, patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.build = build
        self.patch = patch
    }

    /// Parses `156.0.8078.108`, optionally prefixed by a product (`Chrome/`, `HeadlessChrome/`, `Chromium/`).
    /// Missing trailing components are 0. Throws ``WAError/Code-swift.enum/invalidArgument`` (field `version`).
    public init(parsing text: String) throws(WAError) {
        var body = Substring(text)
        if let slash = body.lastIndex(of: "/") { body = body[body.index(after: slash)...] }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { throw WAError.invalid("version", "not a Chromium version") }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 9, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part)
            else { throw WAError.invalid("version", "not a Chromium version") }
            numbers.append(n)
        }
        while numbers.count < 4 { numbers.append(0) }
        guard numbers[0] >= 1 else { throw WAError.invalid("version", "not a Chromium version") }
        self.init(major: numbers[0], minor: numbers[1], build: numbers[2], patch: numbers[3])
    }

    /// `major.minor.build.patch`.
    public var description: String { "\(major).\(minor).\(build).\(patch)" }

    /// The version as the reduced user-agent string shows it: `156.0.0.0` (Chrome freezes minor, build, patch).
    public var reducedUserAgentVersion: String { "\(major).0.0.0" }

    /// The brand list Chromium itself reports for this major version (`navigator.userAgentData.brands`,
    /// `Sec-CH-UA`), GREASE brand included, in Chromium's own permuted order.
    public func brands(product: BrowserProduct) -> [Fingerprint.Brand] {
        brandList(product: product, version: String(major), greaseVersionSuffix: "")
    }

    /// The full-version brand list (`Sec-CH-UA-Full-Version-List`, CDP `userAgentMetadata.fullVersionList`).
    public func fullVersionList(product: BrowserProduct) -> [Fingerprint.Brand] {
        brandList(product: product, version: description, greaseVersionSuffix: ".0.0.0")
    }

    /// Chromium's GREASE algorithm (UA-CH spec §"grease"; `user_agent_utils.cc`), seeded by the major version:
    /// the brand is `Not<c1>A<c2>Brand` with characters from a fixed list, its version one of 8/99/24, and the
    /// entries are permuted by `major % 6` (three entries) or `major % 2` (two entries).
    private func brandList(product: BrowserProduct, version: String, greaseVersionSuffix: String) -> [Fingerprint.Brand] {
        let seed = major
        let greaseCharacters = [" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_"]
        let greaseVersions = ["8", "99", "24"]
        let grease = Fingerprint.Brand(
            brand: "Not" + greaseCharacters[seed % greaseCharacters.count] + "A"
                + greaseCharacters[(seed + 1) % greaseCharacters.count] + "Brand",
            version: greaseVersions[seed % greaseVersions.count] + greaseVersionSuffix)
        let chromium = Fingerprint.Brand(brand: "Chromium", version: version)
        switch product {
        case .chromium:
            var list = [grease, grease]
            list[seed % 2] = grease
            list[(seed + 1) % 2] = chromium
            return list
        case .googleChrome:
            let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
            let order = orders[seed % orders.count]
            var list = [grease, grease, grease]
            list[order[0]] = grease
            list[order[1]] = chromium
            list[order[2]] = Fingerprint.Brand(brand: "Google Chrome", version: version)
            return list
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.build, lhs.patch) < (rhs.major, rhs.minor, rhs.build, rhs.patch)
    }
}
