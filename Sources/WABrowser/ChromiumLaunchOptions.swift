/// How the gateway starts a headless Chromium for one WhatsApp account.
///
/// The values here become command-line flags (see ``arguments``). The DevTools connection defaults to
/// `--remote-debugging-pipe` (no TCP port is opened); ``DevToolsChannel/port(_:allowedOrigin:)`` is for attaching
/// from elsewhere.
public struct ChromiumLaunchOptions: Sendable, Equatable {
    /// How the DevTools protocol is reached.
    public enum DevToolsChannel: Sendable, Equatable {
        /// Commands on fd 3, replies and events on fd 4, NUL-delimited JSON.
        case pipe
        /// A WebSocket on `127.0.0.1:port` (0 picks a free port); `allowedOrigin` is passed to
        /// `--remote-allow-origins`, which Chromium needs before it accepts a client that sends an `Origin`.
        case port(Int, allowedOrigin: String)
    }

    /// The Chromium executable (`chromium` from Debian's package by default, looked up on `PATH`).
    public var executable: String
    /// The profile directory; one per account so cookies and IndexedDB (the WhatsApp session) persist.
    public var userDataDirectory: String
    public var channel: DevToolsChannel
    /// Run without a window (`--headless=new`).
    public var headless: Bool
    /// `--no-sandbox`; needed when running as root in a container.
    public var disableSandbox: Bool
    /// `User-Agent` override from the account's fingerprint.
    public var userAgent: String?
    /// `--lang` from the account's fingerprint, e.g. `en-US`.
    public var language: String?
    /// `--window-size` from the account's fingerprint.
    public var windowSize: (width: Int, height: Int)?
    /// Proxy server URL (`http://host:port` or `socks5://host:port`); credentials are answered through CDP,
    /// never put on the command line.
    public var proxyServer: String?

    public init(
        executable: String = "chromium", userDataDirectory: String, channel: DevToolsChannel = .pipe,
        headless: Bool = true, disableSandbox: Bool = false, userAgent: String? = nil, language: String? = nil,
        windowSize: (width: Int, height: Int)? = nil, proxyServer: String? = nil
    ) {
        self.executable = executable
        self.userDataDirectory = userDataDirectory
        self.channel = channel
        self.headless = headless
        self.disableSandbox = disableSandbox
        self.userAgent = userAgent
        self.language = language
        self.windowSize = windowSize
        self.proxyServer = proxyServer
    }

    /// The command-line arguments, without the executable, ending with the start URL `about:blank`.
    public var arguments: [String] {
        var args = [
            "--user-data-dir=\(userDataDirectory)",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
        ]
        if headless { args.append("--headless=new") }
        if disableSandbox { args.append("--no-sandbox") }
        switch channel {
        case .pipe:
            args.append("--remote-debugging-pipe")
        case .port(let port, let origin):
            args.append("--remote-debugging-port=\(port)")
            args.append("--remote-allow-origins=\(origin)")
        }
        if let userAgent { args.append("--user-agent=\(userAgent)") }
        if let language { args.append("--lang=\(language)") }
        if let windowSize { args.append("--window-size=\(windowSize.width),\(windowSize.height)") }
        if let proxyServer { args.append("--proxy-server=\(proxyServer)") }
        args.append("about:blank")
        return args
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.arguments == rhs.arguments && lhs.executable == rhs.executable
    }
}
