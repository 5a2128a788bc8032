import Foundation
import Testing
import WABrowser

#if canImport(Glibc)
import Glibc
#endif

extension RealBrowser {
    /// WABrowser against a real headless Chromium (Debian's package, installed by scripts/test). One browser at a time:
    /// each takes a few hundred MB.
    @Suite
    struct BrowserTests {
        @Test func pipeLaunchAnswersAndExitsCleanly() async throws {
            let status = try await TestChromium.withBrowser { browser, _ in
                let version = try await browser.version()
                #expect(version.product.hasPrefix("Chrome/"))
                #expect(version.protocolVersion == "1.3")
                return browser.process
            }
            #expect(await status?.waitForExit() == 0)  // Browser.close, not the process-group kill
        }

        @Test func webSocketLaunchAnswers() async throws {
            try await TestChromium.withBrowser(channel: .webSocket(port: 0)) { browser, options in
                let version = try await browser.version()
                #expect(version.product.hasPrefix("Chrome/"))
                #expect(options.arguments.contains("--remote-debugging-port=0"))
                let page = try await browser.newPage()
                #expect(try await page.evaluate("6 * 7", as: Int.self) == 42)
            }
        }

        @Test func aMissingBinaryNamesTheDebianPackage() async throws {
            let options = ChromiumLaunchOptions(executable: "/nonexistent/chromium", userDataDirectory: "/tmp/unused")
            await #expect {
                try await Browser.launch(options)
            } throws: { error in
                "\(error)".contains("apt-get install chromium")
            }
        }

        @Test func navigateAndEvaluate() async throws {
            let server = try await TestHTTPServer.start([
                "/": .init(contentType: "text/html", body: "<title>fixture</title><p id=p>hello</p>")
            ])
            defer { Task { await server.stop() } }
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                try await page.navigate(to: server.url("/"))
                #expect(try await page.evaluate("document.title", as: String.self) == "fixture")
                #expect(try await page.evaluate("document.getElementById('p').textContent", as: String.self) == "hello")
                #expect(try await page.evaluate("({a: 1, b: [true, null, 'x']})", as: Sample.self) == Sample(a: 1, b: [true, nil, "x"]))
                #expect(try await page.evaluate("Promise.resolve(2.5)", as: Double.self) == 2.5)
                #expect(try await page.evaluate("undefined", as: Int?.self) == nil)
                #expect(try await page.evaluate("null", as: String?.self) == nil)
                #expect(try await page.callFunction("(a, b) => a + b", arguments: [.init(40), .init(2)], as: Int.self) == 42)

                await #expect {
                    try await page.evaluate("Promise.reject(new Error('boom'))", as: Int.self)
                } throws: { error in
                    guard case CDPError.evaluation(let message, _, _) = error else { return false }
                    return message.contains("boom")
                }
                await #expect {
                    try await page.evaluate("this is not javascript", as: Int.self)
                } throws: { error in
                    guard case CDPError.evaluation(let message, _, _) = error else { return false }
                    return message.contains("SyntaxError")
                }
                // undefined is no Int.
                await #expect(throws: CDPError.self) { try await page.evaluate("undefined", as: Int.self) }

                await #expect(throws: CDPError.navigation(errorText: "net::ERR_UNSAFE_PORT", url: "http://127.0.0.1:1/")) {
                    try await page.navigate(to: "http://127.0.0.1:1/")
                }
            }
        }

        @Test func aBindingCarriesPayloadsFromThePage() async throws {
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                let calls = try await page.exposeBinding("__waTest")
                try await page.run("__waTest('one'); __waTest(JSON.stringify({n: 2}))")
                var iterator = calls.makeAsyncIterator()
                #expect(await iterator.next() == "one")
                #expect(await iterator.next() == #"{"n":2}"#)
                // The binding survives a navigation.
                try await page.navigate(to: "data:text/html,<script>__waTest('after navigation')</script>")
                #expect(await iterator.next() == "after navigation")
            }
        }

        @Test func aFileInputTakesFilesFromDisk() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-file-input-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let text = directory.appendingPathComponent("note.txt")
            let binary = directory.appendingPathComponent("photo.bin")
            try Data("hello".utf8).write(to: text)
            try Data([0xFF, 0xD8, 0xFF]).write(to: binary)
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                try await page.navigate(
                    to: "data:text/html,<input type=file id=f multiple><input id=t><script>window.changes = 0; f.onchange = () => { changes += 1 }</script>")
                try await page.setInputFiles([text.path, binary.path], selector: "#f")
                let chosen = try await page.evaluate(
                    "Promise.all([...f.files].map(async x => x.name + ':' + x.size + ':' + (await x.text()).slice(0, 5))).then(a => a.join(',') + ';' + changes)",
                    as: String.self)
                #expect(chosen.hasPrefix("note.txt:5:hello,photo.bin:3:") && chosen.hasSuffix(";1"), "\(chosen)")
                try await page.setInputFiles([], selector: "#f")
                #expect(try await page.evaluate("f.files.length", as: Int.self) == 0)
                // Chromium does not check the paths: a file it cannot read reaches the page empty.
                try await page.setInputFiles([directory.appendingPathComponent("missing.txt").path], selector: "#f")
                #expect(try await page.evaluate("f.files.length + ':' + f.files[0].size", as: String.self) == "1:0")

                let notFile = await #expect(throws: CDPError.self) { try await page.setInputFiles([text.path], selector: "#t") }
                let missing = await #expect(throws: CDPError.self) { try await page.setInputFiles([text.path], selector: "#none") }
                for error in [notFile, missing] {
                    guard case .evaluation(let message, _, _)? = error else {
                        Issue.record("expected an evaluation error, got \(String(describing: error))")
                        continue
                    }
                    #expect(message.contains("no file input matches"))
                }
            }
        }

        @Test func aClippedScreenshotHasTheClipsSize() async throws {
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                try await page.navigate(
                    to: "data:text/html,<body style='margin:0'><canvas id=c width=264 height=264></canvas></body>")
                let png = try await page.screenshotPNG(clip: .init(x: 0, y: 0, width: 264, height: 264))
                #expect(png.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                // IHDR: width and height, big-endian, at bytes 16 and 20.
                let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
                let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
                #expect(width == 264 && height == 264)
            }
        }

        @Test func theFingerprintIsWhatThePageSees() async throws {
            let server = try await TestHTTPServer.start(["/": .init(contentType: "text/html", body: "<title>fp</title>")])
            defer { Task { await server.stop() } }
            try await TestChromium.withBrowser(configure: { options in
                options.languages = ["pt-BR", "pt"]
                options.windowSize = .init(width: 1280, height: 800)
            }) { browser, _ in
                let page = try await browser.newPage()
                let userAgent = try await page.evaluate("navigator.userAgent", as: String.self)
                let honest = userAgent.replacingOccurrences(of: "HeadlessChrome/", with: "Chrome/")
                let major = honest.split(separator: "Chrome/").last.map { String($0.prefix { $0.isNumber }) } ?? "0"
                try await page.setUserAgent(
                    honest, acceptLanguage: "pt-BR,pt", platform: "Linux x86_64",
                    metadata: .init(
                        brands: [.init(brand: "Chromium", version: major), .init(brand: "Not:A-Brand", version: "24")],
                        platform: "Linux", platformVersion: "6.1.0", architecture: "x86"))
                try await page.emulate(timeZone: "America/Sao_Paulo", locale: "pt-BR")
                try await page.navigate(to: server.url("/"))
                let seen = try await page.evaluate(
                    """
                    ({
                      userAgent: navigator.userAgent,
                      brands: navigator.userAgentData.brands.map(b => b.brand),
                      platform: navigator.userAgentData.platform,
                      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
                      locale: Intl.DateTimeFormat().resolvedOptions().locale,
                      languages: navigator.languages,
                      webdriver: navigator.webdriver,
                      screen: [screen.width, screen.height],
                    })
                    """, as: Fingerprint.self)
                #expect(!seen.userAgent.contains("Headless"))
                #expect(seen.brands.contains("Chromium"))
                #expect(seen.platform == "Linux")
                #expect(seen.timeZone == "America/Sao_Paulo")
                #expect(seen.locale == "pt-BR")
                #expect(seen.languages == ["pt-BR", "pt"])
                #expect(seen.webdriver == false)
                #expect(seen.screen == [1280, 800])
            }
        }

        @Test func aCrashedPageIsReportedNotWaitedOut() async throws {
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                let events = await page.events(["Inspector.targetCrashed"])
                try await page.crash()
                var iterator = events.makeAsyncIterator()
                #expect(await iterator.next()?.method == "Inspector.targetCrashed")
                // A call on the crashed page fails at once (the browser would never answer it), not after a timeout.
                await #expect(throws: CDPError.targetCrashed(page.session)) {
                    try await page.evaluate("1", as: Int.self, timeout: .seconds(600))
                }
                // The browser itself is fine: a new page works.
                let next = try await browser.newPage()
                #expect(try await next.evaluate("1 + 1", as: Int.self) == 2)
            }
        }

        @Test func aKilledBrowserFailsPendingCallsWithItsOutput() async throws {
            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                let hanging = Task { try await page.evaluate("new Promise(() => {})", as: Int.self, timeout: .zero) }
                // Wait until the call is on its way, then kill the browser's whole process group.
                try await Task.sleep(for: .milliseconds(200))
                browser.process?.killProcessGroup()
                await #expect {
                    try await hanging.value
                } throws: { error in
                    guard case CDPError.connectionClosed = error else { return false }
                    return true
                }
                #expect(await browser.connection.closedReason != nil)
            }
        }

        private struct Sample: Decodable, Equatable, Sendable {
            var a: Int
            var b: [BoolOrString?]

            init(a: Int, b: [BoolOrString?]) {
                self.a = a
                self.b = b
            }
        }

        enum BoolOrString: Decodable, Equatable, Sendable, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
            case bool(Bool)
            case string(String)
            init(booleanLiteral value: Bool) { self = .bool(value) }
            init(stringLiteral value: String) { self = .string(value) }
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let value = try? container.decode(Bool.self) { self = .bool(value) } else { self = .string(try container.decode(String.self)) }
            }
        }

        private struct Fingerprint: Decodable, Sendable {
            var userAgent: String
            var brands: [String]
            var platform: String
            var timeZone: String
            var locale: String
            var languages: [String]
            var webdriver: Bool
            var screen: [Int]
        }
    }
}
