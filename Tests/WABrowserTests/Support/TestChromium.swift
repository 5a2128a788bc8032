import Foundation
import Testing
import WABrowser

/// Every suite that starts a real Chromium, one test at a time: a browser takes hundreds of MB and a share of the
/// two cores, and tests that wait on pages get slow when several run beside the rest of the suite.
@Suite(.serialized, .enabled(if: TestChromium.available, "no Chromium installed (apt-get install chromium)"))
enum RealBrowser {}

/// A real headless Chromium for a test: a fresh profile directory, and afterwards a check that no process of it is
/// left. Tests that need it carry the ``available`` condition: outside CI they are skipped when no Chromium is
/// installed; on CI they run (and fail with the launcher's error naming the package).
enum TestChromium {
    static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(value.lowercased())
    }()

    static var available: Bool {
        isCI || FileManager.default.isExecutableFile(atPath: ChromiumLaunchOptions.locateExecutable())
    }

    /// Launches a browser on a new profile, runs `body`, closes the browser, and checks that none of its processes
    /// remain, whether `body` succeeded or not.
    static func withBrowser<Result: Sendable>(
        channel: ChromiumLaunchOptions.DevToolsChannel = .pipe,
        configure: (inout ChromiumLaunchOptions) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (Browser, ChromiumLaunchOptions) async throws -> Result
    ) async throws -> Result {
        let profile = FileManager.default.temporaryDirectory
            .appendingPathComponent("wa-browser-test-\(UUID().uuidString)").path
        var options = ChromiumLaunchOptions(userDataDirectory: profile, channel: channel)
        configure(&options)
        defer { try? FileManager.default.removeItem(atPath: profile) }
        // Generous: on a loaded machine (the whole test run beside it) a launch can take many seconds.
        let browser = try await Browser.launch(options, launchTimeout: .seconds(120))
        let result: Result
        do {
            result = try await body(browser, options)
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
        let left = ChromiumProcess.processes(usingProfile: profile)
        #expect(left.isEmpty, "Chromium processes left after close: \(left)", sourceLocation: sourceLocation)
        return result
    }
}
