import Foundation
import NIOHTTP1
import Synchronization
import Testing
import WABrowser

extension RealBrowser {
    /// Request interception against a real Chromium: proxy credentials answered through DevTools, and offline mode.
    @Suite
    struct InterceptionTests {
        @Test func theProxysChallengeIsAnsweredOnceWithTheCredentials() async throws {
            let seen = Mutex((challenged: 0, authorized: 0))
            let expected = "Basic " + Data("wa-user:s3cret".utf8).base64EncodedString()
            let proxy = try await TestHTTPServer.start { head in
                // A forward proxy for plain HTTP: the request line carries the absolute URL.
                guard head.headers["Proxy-Authorization"].first == expected else {
                    seen.withLock { $0.challenged += 1 }
                    return .init(status: .proxyAuthenticationRequired,
                                 headers: [("Proxy-Authenticate", #"Basic realm="wa-test""#)], body: "who are you?")
                }
                seen.withLock { $0.authorized += 1 }
                return .init(status: .ok, headers: [("Content-Type", "text/html")],
                             body: "<title>via proxy</title><p>\(head.uri)</p>")
            }
            defer { Task { await proxy.stop() } }

            try await TestChromium.withBrowser(configure: { options in
                options.proxyServer = "http://127.0.0.1:\(proxy.port)"
                options.proxyBypassList = "<-loopback>"  // loopback goes through the proxy too
            }) { browser, options in
                #expect(!options.arguments.contains { $0.contains("s3cret") })  // never on the command line
                let page = try await browser.newPage()
                let interception = try await RequestInterception.start(
                    on: page, proxyCredentials: ProxyCredentials(username: "wa-user", password: "s3cret")
                ) { _ in .proceed }
                // The name resolves nowhere: only the proxy can answer.
                try await page.navigate(to: "http://wa-proxied.test/page")
                #expect(try await page.evaluate("document.title", as: String.self) == "via proxy")
                #expect(interception.counts.proxyChallenges == 1)
                #expect(seen.withLock { $0.authorized } >= 1)
                await interception.stop()
            }
        }

        @Test func wrongCredentialsAreGivenOnlyOnce() async throws {
            let proxy = try await TestHTTPServer.start { _ in
                .init(status: .proxyAuthenticationRequired, headers: [("Proxy-Authenticate", #"Basic realm="wa-test""#)],
                      body: "no")
            }
            defer { Task { await proxy.stop() } }
            try await TestChromium.withBrowser(configure: { options in
                options.proxyServer = "http://127.0.0.1:\(proxy.port)"
                options.proxyBypassList = "<-loopback>"
            }) { browser, _ in
                let page = try await browser.newPage()
                let interception = try await RequestInterception.start(
                    on: page, proxyCredentials: ProxyCredentials(username: "wa-user", password: "wrong")
                ) { _ in .proceed }
                // The second challenge for the same request is refused, so the navigation ends instead of looping.
                _ = try? await page.navigate(to: "http://wa-proxied.test/page", timeout: .seconds(20))
                #expect(interception.counts.proxyChallenges == 2)
                await interception.stop()
            }
        }

        @Test func offlineModeServesADirectoryAtTheRealOriginAndNothingElse() async throws {
            let site = FileManager.default.temporaryDirectory.appendingPathComponent("wa-offline-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: site) }
            try Data("<title>offline</title><script src=/app.js></script>".utf8).write(to: site.appendingPathComponent("index.html"))
            try Data("window.appLoaded = location.origin;".utf8).write(to: site.appendingPathComponent("app.js"))

            try await TestChromium.withBrowser { browser, _ in
                let page = try await browser.newPage()
                let interception = try await page.serveOffline(OfflineSite(directory: site.path))
                try await page.navigate(to: "https://web.whatsapp.com/")
                #expect(try await page.evaluate("document.title", as: String.self) == "offline")
                #expect(try await page.evaluate("window.appLoaded", as: String.self) == "https://web.whatsapp.com")
                // The real origin's storage works (and would persist in the profile).
                #expect(try await page.evaluate("localStorage.setItem('k', 'v'), localStorage.getItem('k')", as: String.self) == "v")
                // Other origins are unreachable, and a missing file is a 404.
                let outside = try await page.evaluate(
                    "fetch('https://example.com/').then(() => 'reached', e => 'failed: ' + e.message)", as: String.self)
                #expect(outside.hasPrefix("failed"))
                #expect(try await page.evaluate("fetch('/missing.js').then(r => r.status)", as: Int.self) == 404)
                #expect(try await page.evaluate("fetch('/../../etc/passwd').then(r => r.status)", as: Int.self) == 404)
                await interception.stop()
            }
        }

        @Test func offlineSiteDecisions() throws {
            let site = FileManager.default.temporaryDirectory.appendingPathComponent("wa-offline-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: site) }
            try Data("<p>hi</p>".utf8).write(to: site.appendingPathComponent("index.html"))
            let offline = OfflineSite(directory: site.path)
            func request(_ url: String) -> InterceptedRequest {
                InterceptedRequest(url: url, method: "GET", headers: [:], resourceType: "Document")
            }
            guard case .fulfill(200, let headers, let body) = offline.decide(request("https://web.whatsapp.com/?v=1")) else {
                Issue.record("the index was not served")
                return
            }
            #expect(body == Array("<p>hi</p>".utf8))
            #expect(headers.contains(.init(name: "Content-Type", value: "text/html; charset=utf-8")))
            #expect(offline.decide(request("https://web.whatsapp.com.evil.example/")) == .fail(reason: "InternetDisconnected"))
            #expect(offline.decide(request("https://static.whatsapp.net/x.js")) == .fail(reason: "InternetDisconnected"))
            guard case .fulfill(404, _, _) = offline.decide(request("https://web.whatsapp.com/%2e%2e/%2e%2e/etc/passwd")) else {
                Issue.record("a path outside the directory was not refused")
                return
            }
        }
    }
}
