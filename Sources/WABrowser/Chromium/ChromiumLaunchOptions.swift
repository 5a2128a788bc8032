public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the gateway starts a headless Chromium for one WhatsApp account.
///
/// The values become command-line flags (``arguments``) and environment variables (``environment(inheriting:)``).
/// The defaults are the flags `reference/cdp.md` §2 settled on: new headless mode, DevTools over
/// `--remote-debugging-pipe` (no port opened, and the browser exits with the gateway), no startup window, Google's
/// background traffic and the automation tells off (never `--enable-automation`; `AutomationControlled` disabled, so
/// `navigator.webdriver` is `false`), and timers kept running in the background, which WhatsApp Web's socket needs.
public struct ChromiumLaunchOptions: Sendable, Equatable {
    /// How the DevTools protocol is reached.
    public enum DevToolsChannel: Sendable, Equatable {
        /// Commands on the browser's fd 3, replies and events on its fd 4, NUL-delimited JSON. The browser exits when
        /// the gateway closes its end.
        case pipe
        /// A WebSocket on `127.0.0.1:port` (0 picks a free port, read back from the browser's output). For
        /// debugging or for attaching from elsewhere; the browser does not exit with the gateway, so it is stopped
        /// through its process group.
        case webSocket(port: Int)
    }

    /// Whether Chromium's sandbox is on.
    public enum Sandbox: Sendable, Equatable {
        /// Off when running as root (Chromium refuses to start sandboxed as root), else on.
        case automatic
        case enabled
        /// `--no-sandbox`.
        case disabled
    }

    /// A window (and screen) size in CSS pixels.
    public struct WindowSize: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    /// The browser binary: Debian's `/usr/lib/chromium/chromium` (not the `/usr/bin/chromium` wrapper script, which
    /// adds flags of its own) unless ``locateExecutable(environment:)`` finds another.
    public var executable: String
    /// The profile directory; one per account, so that cookies and IndexedDB (the WhatsApp link) persist.
    public var userDataDirectory: String
    public var channel: DevToolsChannel
    /// Run without a window (`--headless=new`).
    public var headless: Bool
    public var sandbox: Sandbox
    /// The `User-Agent` for every request of the browser (workers included). Leave nil to keep Chromium's own,
    /// or give the real one with `HeadlessChrome` replaced; never claim another version or operating system.
    public var userAgent: String?
    /// The languages the browser prefers, most preferred first, without q-values (`["pt-BR", "pt"]`):
    /// `--lang` and `--accept-lang`.
    public var languages: [String]
    /// The window and screen size (`--window-size` and `--screen-info`: without the latter `screen` stays 800×600).
    public var windowSize: WindowSize
    /// The IANA time zone the browser runs in (its `TZ`), nil for the gateway's own.
    public var timeZone: String?
    /// Proxy server URL (`http://host:port` or `socks5://host:port`). Credentials are never put on the command
    /// line: they are answered through DevTools (`Fetch.authRequired`).
    public var proxyServer: String?
    /// `--proxy-bypass-list`, e.g. `<-loopback>` to send even loopback traffic through the proxy.
    public var proxyBypassList: String?
    /// More flags, appended last.
    public var extraArguments: [String]
    /// More environment variables for the browser.
    public var extraEnvironment: [String: String]

    public init(
        executable: String = ChromiumLaunchOptions.locateExecutable(), userDataDirectory: String,
        channel: DevToolsChannel = .pipe, headless: Bool = true, sandbox: Sandbox = .automatic,
        userAgent: String? = nil, languages: [String] = [], windowSize: WindowSize = WindowSize(width: 1366, height: 768),
        timeZone: String? = nil, proxyServer: String? = nil, proxyBypassList: String? = nil,
        extraArguments: [String] = [], extraEnvironment: [String: String] = [:]
    ) {
        self.executable = executable
        self.userDataDirectory = userDataDirectory
        self.channel = channel
        self.headless = headless
        self.sandbox = sandbox
        self.userAgent = userAgent
        self.languages = languages
        self.windowSize = windowSize
        self.timeZone = timeZone
        self.proxyServer = proxyServer
        self.proxyBypassList = proxyBypassList
        self.extraArguments = extraArguments
        self.extraEnvironment = extraEnvironment
    }

    /// Flags every launch gets: no first-run UI, no Google background traffic, no crash reporting, no extensions,
    /// and nothing that slows a page that is not in front (WhatsApp Web keeps a socket and timers alive).
    public static let baseArguments = [
        "--no-startup-window",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--disable-crash-reporter",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--disable-hang-monitor",
        "--disable-prompt-on-repost",
        "--disable-search-engine-choice-screen",
        "--disable-dev-shm-usage",
        "--force-color-profile=srgb",
        "--mute-audio",
        "--hide-scrollbars",
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AcceptCHFrame,WebUIOmniboxPopup,"
            + "WebUIOmniboxAimPopup,IntensiveWakeUpThrottling,SpareRendererForSitePerProcess",
        "--disable-blink-features=AutomationControlled",
    ]

    /// The command-line arguments, without the executable.
    public var arguments: [String] {
        var arguments = Self.baseArguments
        arguments.append("--user-data-dir=\(userDataDirectory)")
        if headless { arguments.append("--headless=new") }
        if sandboxDisabled { arguments.append("--no-sandbox") }
        switch channel {
        case .pipe:
            arguments.append("--remote-debugging-pipe")
        case .webSocket(let port):
            arguments.append("--remote-debugging-port=\(port)")
            arguments.append("--remote-debugging-address=127.0.0.1")
        }
        arguments.append("--window-size=\(windowSize.width),\(windowSize.height)")
        arguments.append("--screen-info={\(windowSize.width)x\(windowSize.height)}")
        if let first = languages.first {
            arguments.append("--lang=\(first)")
            arguments.append("--accept-lang=\(languages.joined(separator: ","))")
        }
        if let userAgent { arguments.append("--user-agent=\(userAgent)") }
        if let proxyServer { arguments.append("--proxy-server=\(proxyServer)") }
        if let proxyBypassList { arguments.append("--proxy-bypass-list=\(proxyBypassList)") }
        return arguments + extraArguments
    }

    /// Whether `--no-sandbox` is passed.
    public var sandboxDisabled: Bool {
        switch sandbox {
        case .automatic: getuid() == 0
        case .enabled: false
        case .disabled: true
        }
    }

    /// The browser's environment: `base` (the gateway's own by default) with ``timeZone`` as `TZ` and
    /// ``extraEnvironment`` on top.
    public func environment(inheriting base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = base
        if let timeZone { environment["TZ"] = timeZone }
        environment.merge(extraEnvironment) { _, new in new }
        return environment
    }

    /// The Chromium binary to use: `WA_CHROMIUM` when set, else the first of Debian's
    /// `/usr/lib/chromium/chromium`, `chromium`, `chromium-browser`, `google-chrome` found (the names on `PATH`);
    /// Debian's path when none is, so that the launch error names it.
    public static func locateExecutable(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let configured = environment["WA_CHROMIUM"], !configured.isEmpty { return configured }
        let debian = "/usr/lib/chromium/chromium"
        if FileManager.default.isExecutableFile(atPath: debian) { return debian }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return debian
    }
}
