import Testing
import WABrowser

@Suite struct ChromiumLaunchOptionsTests {
    @Test func pipeIsTheDefaultAndOpensNoPort() {
        let args = ChromiumLaunchOptions(userDataDirectory: "/tmp/p").arguments
        #expect(args.contains("--remote-debugging-pipe"))
        #expect(!args.contains { $0.hasPrefix("--remote-debugging-port") })
        #expect(args.contains("--headless=new"))
        #expect(args.last == "about:blank")
    }

    @Test func portChannelAllowsTheOrigin() {
        let args = ChromiumLaunchOptions(userDataDirectory: "/tmp/p", channel: .port(0, allowedOrigin: "ws://127.0.0.1"))
            .arguments
        #expect(args.contains("--remote-debugging-port=0"))
        #expect(args.contains("--remote-allow-origins=ws://127.0.0.1"))
    }

    @Test func fingerprintFlags() {
        let options = ChromiumLaunchOptions(
            userDataDirectory: "/tmp/p", userAgent: "UA/1", language: "de-DE", windowSize: (1280, 800),
            proxyServer: "socks5://10.0.0.1:1080")
        let args = options.arguments
        #expect(args.contains("--user-agent=UA/1"))
        #expect(args.contains("--lang=de-DE"))
        #expect(args.contains("--window-size=1280,800"))
        #expect(args.contains("--proxy-server=socks5://10.0.0.1:1080"))
    }
}
