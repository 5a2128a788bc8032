import Foundation
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Chromium driven over DevTools: started by ``launch(_:launchTimeout:logger:)`` (and stopped with it), or reached
/// over a WebSocket with ``connect(webSocketURL:logger:)``.
///
/// ```swift
/// let browser = try await Browser.launch(ChromiumLaunchOptions(userDataDirectory: "/var/lib/wa/profiles/a"))
/// let page = try await browser.newPage()
/// try await page.navigate(to: "https://example.com/")
/// let title = try await page.evaluate("document.title", as: String.self)
/// await browser.close()
/// ```
public final class Browser: Sendable {
    /// The DevTools connection; commands without a session go to the browser itself.
    public let connection: CDPConnection
    /// The browser process when this gateway started it.
    public let process: ChromiumProcess?
    /// The profile directory of a browser this gateway started.
    public let userDataDirectory: String?
    private let logger: Logger

    private init(connection: CDPConnection, process: ChromiumProcess?, userDataDirectory: String?, logger: Logger) {
        self.connection = connection
        self.process = process
        self.userDataDirectory = userDataDirectory
        self.logger = logger
    }

    /// Starts Chromium with `options` and waits until it answers (`Browser.getVersion`).
    ///
    /// Browsers a previous run left on the same profile are stopped first. The browser leads a process group of its
    /// own; ``close(timeout:)`` ends the whole group.
    ///
    /// - Throws: ``CDPError/launch(_:recentOutput:)`` when the binary is missing (naming Debian's `chromium`
    ///   package), cannot run, or does not answer within `launchTimeout`, with what it printed.
    public static func launch(
        _ options: ChromiumLaunchOptions, launchTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "wa.browser")
    ) async throws -> Browser {
        guard FileManager.default.isExecutableFile(atPath: options.executable) else {
            throw CDPError.launch(
                "no Chromium at \(options.executable): install Debian's package `chromium` (apt-get install chromium) "
                    + "or set WA_CHROMIUM to the browser binary", recentOutput: [])
        }
        try FileManager.default.createDirectory(
            atPath: options.userDataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        await LeftoverBrowsers.stop(using: options.userDataDirectory)

        let process: ChromiumProcess
        let transport: any CDPTransport
        switch options.channel {
        case .pipe:
            let (started, input, output) = try await ChromiumProcess.spawn(
                executable: options.executable, arguments: options.arguments, environment: options.environment())
            process = started
            do {
                transport = try await PipeTransport(input: input, output: output)
            } catch {
                // NIO did not take the descriptors over.
                closeDescriptor(input)
                closeDescriptor(output)
                process.killProcessGroup()
                throw CDPError.launch("cannot open the DevTools pipe: \(error)", recentOutput: process.output.lines)
            }
        case .webSocket:
            let (started, url) = try await WebSocketLaunch.start(options, within: launchTimeout)
            process = started
            do {
                transport = try await WebSocketTransport.connect(to: url)
            } catch {
                process.killProcessGroup()
                throw CDPError.launch("cannot connect to \(url): \(error)", recentOutput: process.output.lines)
            }
        }
        let connection = CDPConnection(transport: transport, recentOutput: { process.output.lines }, logger: logger)
        let browser = Browser(
            connection: connection, process: process, userDataDirectory: options.userDataDirectory, logger: logger)
        try await browser.waitUntilAnswering(within: launchTimeout)
        return browser
    }

    /// Attaches to a browser that runs elsewhere, by its `ws://…/devtools/browser/…` URL. ``close(timeout:)``
    /// disconnects without closing that browser.
    public static func connect(webSocketURL url: String, logger: Logger = Logger(label: "wa.browser")) async throws -> Browser {
        let transport = try await WebSocketTransport.connect(to: url)
        let connection = CDPConnection(transport: transport, logger: logger)
        let browser = Browser(connection: connection, process: nil, userDataDirectory: nil, logger: logger)
        try await browser.waitUntilAnswering(within: .seconds(30))
        return browser
    }

    private func waitUntilAnswering(within limit: Duration) async throws {
        do {
            _ = try await connection.send(CDP.Browser.GetVersion(), timeout: limit)
            _ = try await connection.send(CDP.Target.SetDiscoverTargets(discover: true))
        } catch {
            let output = process?.output.lines ?? []
            await close(timeout: .seconds(1))
            throw CDPError.launch("the browser did not answer: \(error)", recentOutput: output)
        }
    }

    /// The browser's version (also a liveness check).
    public func version() async throws -> CDP.Browser.GetVersion.Response {
        try await connection.send(CDP.Browser.GetVersion())
    }

    /// Opens a new page (in `browserContext`, else the default context of the profile), attaches to it and
    /// enables its page and runtime events.
    public func newPage(browserContext: String? = nil, url: String = "about:blank") async throws -> Page {
        let target = try await connection.send(CDP.Target.CreateTarget(url: url, browserContextId: browserContext))
        let session = try await connection.send(CDP.Target.AttachToTarget(targetId: target.targetId)).sessionId
        let page = Page(connection: connection, session: session, targetID: target.targetId)
        try await page.enableEvents()
        return page
    }

    /// Closes the browser: `Browser.close`, up to `timeout` for it to exit, then SIGKILL to its process group; then
    /// the connection. A browser reached with ``connect(webSocketURL:logger:)`` is only disconnected. Idempotent.
    public func close(timeout: Duration = .seconds(5)) async {
        guard let process else {
            await connection.close()
            return
        }
        try? await connection.post(method: CDP.Browser.closeMethod, params: CDPNoParameters())
        if await process.waitForExit(timeout: timeout) == nil {
            logger.warning("the browser did not exit after Browser.close; killing it", metadata: ["pid": "\(process.pid)"])
        }
        // Helpers can outlive the browser process by a moment (and one may have left the group): none is left after
        // this.
        process.killProcessGroup()
        _ = await process.waitForExit()
        if let userDataDirectory { await LeftoverBrowsers.stop(using: userDataDirectory) }
        await connection.close()
        await process.closeOutput()
    }
}

/// `close(2)`, out of reach of ``Browser/close(timeout:)`` inside the class.
private func closeDescriptor(_ descriptor: CInt) {
    _ = close(descriptor)
}
