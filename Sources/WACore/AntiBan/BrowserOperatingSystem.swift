/// The desktop operating system a fingerprint presents, with the tables everything else is chosen from.
///
/// The fingerprint generator picks the operating system first and then takes the user-agent token, the
/// `navigator.platform`, the client-hint platform, version and architecture and the screen from this system's own
/// tables, so a Windows user agent can never come with a Mac screen or a Linux platform string.
///
/// Prefer the host's real system (`reference/cdp.md` §3.7: "keep OS honest"): WABrowser runs Chromium on Linux, and
/// workers see the real platform.
public enum BrowserOperatingSystem: String, Sendable, Hashable, Codable, CaseIterable {
    case windows
    case macOS = "macos"
    case linux

    /// The platform token of the reduced user agent (`Windows NT 10.0; Win64; x64`).
    public var userAgentToken: String {
        switch self {
        case .windows: "Windows NT 10.0; Win64; x64"
        case .macOS: "Macintosh; Intel Mac OS X 10_15_7"
        case .linux: "X11; Linux x86_64"
        }
    }

    /// `navigator.platform`.
    public var navigatorPlatform: String {
        switch self {
        case .windows: "Win32"
        case .macOS: "MacIntel"
        case .linux: "Linux x86_64"
        }
    }

    /// The client-hint platform (`Sec-CH-UA-Platform`, `navigator.userAgentData.platform`).
    public var clientHintPlatform: String {
        switch self {
        case .windows: "Windows"
        case .macOS: "macOS"
        case .linux: "Linux"
        }
    }

    /// How WhatsApp names the system under "Linked devices".
    public var deviceLabel: String {
        switch self {
        case .windows: "Windows"
        case .macOS: "Mac OS"
        case .linux: "Linux"
        }
    }

    /// The user agent Chromium `version` sends on this system (reduced form: `Chrome/<major>.0.0.0`).
    public func userAgent(version: ChromiumVersion) -> String {
        "Mozilla/5.0 (\(userAgentToken)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
            + version.reducedUserAgentVersion + " Safari/537.36"
    }

    /// The device name WhatsApp shows for a Chrome on this system (`Chrome (Windows)`).
    public var deviceName: String { "Chrome (\(deviceLabel))" }

    /// Client-hint platform versions seen in the wild, with relative weights.
    ///
    /// Windows reports the UniversalApiContract version (10.0.0 = Windows 10 2004–22H2, 15.0.0 = Windows 11
    /// 22H2/23H2, 19.0.0 = Windows 11 24H2); macOS its marketing version; Linux the kernel's
    /// `major.minor.patch`.
    public var platformVersions: [(version: String, weight: Int)] {
        switch self {
        case .windows: [("10.0.0", 35), ("15.0.0", 30), ("19.0.0", 35)]
        case .macOS: [("13.7.6", 10), ("14.7.6", 25), ("15.5.0", 45), ("15.6.1", 20)]
        case .linux: [("6.1.0", 35), ("6.8.0", 30), ("6.12.0", 25), ("6.14.0", 10)]
        }
    }

    /// Client-hint architectures for this system, with weights (`arm` is Apple silicon).
    public var architectures: [(architecture: String, weight: Int)] {
        switch self {
        case .windows, .linux: [("x86", 1)]
        case .macOS: [("arm", 80), ("x86", 20)]
        }
    }

    /// Screens (CSS pixels and device scale factor) common on this system, with weights.
    public var screens: [(screen: Fingerprint.Screen, weight: Int)] {
        func s(_ w: Int, _ h: Int, _ scale: Double, _ weight: Int) -> (Fingerprint.Screen, Int) {
            (Fingerprint.Screen(width: w, height: h, deviceScaleFactor: scale), weight)
        }
        switch self {
        case .windows:
            return [
                s(1920, 1080, 1, 30), s(1366, 768, 1, 14), s(1536, 864, 1.25, 16), s(1280, 720, 1.5, 5),
                s(1440, 900, 1, 6), s(1600, 900, 1, 6), s(2560, 1440, 1, 8), s(1680, 1050, 1, 4),
                s(1920, 1200, 1, 4), s(1280, 1024, 1, 3),
            ]
        case .macOS:
            return [
                s(1440, 900, 2, 20), s(1512, 982, 2, 20), s(1470, 956, 2, 15), s(1728, 1117, 2, 10),
                s(1280, 800, 2, 8), s(1680, 1050, 2, 5), s(1920, 1080, 1, 8), s(2560, 1440, 1, 8),
            ]
        case .linux:
            return [
                s(1920, 1080, 1, 40), s(1366, 768, 1, 15), s(2560, 1440, 1, 12), s(1600, 900, 1, 8),
                s(1440, 900, 1, 6), s(1920, 1200, 1, 6), s(1280, 1024, 1, 5), s(1280, 800, 1, 4),
            ]
        }
    }

    /// How often each system is chosen when the caller does not name one.
    static let weights: [(BrowserOperatingSystem, Int)] = [(.windows, 70), (.macOS, 20), (.linux, 10)]

    /// The system whose `navigator.platform` is `platform`.
    static func from(navigatorPlatform platform: String) -> BrowserOperatingSystem? {
        allCases.first { $0.navigatorPlatform == platform }
    }
}
