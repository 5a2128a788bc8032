import Foundation

/// Starting a browser with `--remote-debugging-port` and learning its WebSocket URL.
enum WebSocketLaunch {
    /// Starts the browser and waits until it names its DevTools endpoint: the `DevTools listening on ws://…` line it
    /// prints, or its `DevToolsActivePort` file (port, then path) in the profile.
    static func start(
        _ options: ChromiumLaunchOptions, within limit: Duration
    ) async throws -> (ChromiumProcess, String) {
        let portFile = "\(options.userDataDirectory)/DevToolsActivePort"
        try? FileManager.default.removeItem(atPath: portFile)
        let (process, _, _) = try await ChromiumProcess.spawn(
            executable: options.executable, arguments: options.arguments, environment: options.environment(),
            devToolsPipe: false)
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if let url = url(printedIn: process.output.lines) ?? url(inPortFile: portFile) {
                return (process, url)
            }
            if let status = await process.waitForExit(timeout: .milliseconds(50)) {
                throw CDPError.launch("the browser exited with status \(status) before it listened",
                                      recentOutput: process.output.lines)
            }
        }
        process.killProcessGroup()
        throw CDPError.launch("the browser named no DevTools endpoint within \(limit)", recentOutput: process.output.lines)
    }

    static func url(printedIn lines: [String]) -> String? {
        let prefix = "DevTools listening on "
        for line in lines.reversed() where line.hasPrefix(prefix) {
            let url = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            if url.hasPrefix("ws://") { return url }
        }
        return nil
    }

    static func url(inPortFile path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline)
        guard lines.count >= 2, let port = Int(lines[0]), lines[1].hasPrefix("/devtools/") else { return nil }
        return "ws://127.0.0.1:\(port)\(lines[1])"
    }
}
