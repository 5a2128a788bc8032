import Foundation
import Testing
import WABrowser

@Suite struct ChromiumLaunchOptionsTests {
    @Test func pipeIsTheDefaultAndOpensNoPort() {
        let args = ChromiumLaunchOptions(userDataDirectory: "/tmp/p").arguments
        #expect(args.contains("--remote-debugging-pipe"))
        #expect(!args.contains { $0.hasPrefix("--remote-debugging-port") })
        #expect(args.contains("--headless=new"))
        #expect(args.contains("--user-data-dir=/tmp/p"))
    }

    @Test func neverAnnouncesAutomation() {
        let args = ChromiumLaunchOptions(userDataDirectory: "/tmp/p").arguments
        #expect(!args.contains("--enable-automation"))
        #expect(args.contains("--disable-blink-features=AutomationControlled"))
    }

    @Test func theSandboxIsOffOnlyForRootUnlessConfigured() {
        let automatic = ChromiumLaunchOptions(userDataDirectory: "/tmp/p")
        #expect(automatic.arguments.contains("--no-sandbox") == (getuid() == 0))
        #expect(!ChromiumLaunchOptions(userDataDirectory: "/tmp/p", sandbox: .enabled).arguments.contains("--no-sandbox"))
        #expect(ChromiumLaunchOptions(userDataDirectory: "/tmp/p", sandbox: .disabled).arguments.contains("--no-sandbox"))
    }

    @Test func webSocketChannelListensOnLoopbackOnly() {
        let args = ChromiumLaunchOptions(userDataDirectory: "/tmp/p", channel: .webSocket(port: 0)).arguments
        #expect(args.contains("--remote-debugging-port=0"))
        #expect(args.contains("--remote-debugging-address=127.0.0.1"))
        #expect(!args.contains("--remote-debugging-pipe"))
    }

    @Test func fingerprintFlags() {
        let options = ChromiumLaunchOptions(
            userDataDirectory: "/tmp/p", userAgent: "UA/1", languages: ["pt-BR", "pt"],
            windowSize: .init(width: 1280, height: 800), timeZone: "America/Sao_Paulo",
            proxyServer: "socks5://10.0.0.1:1080")
        let args = options.arguments
        #expect(args.contains("--user-agent=UA/1"))
        #expect(args.contains("--lang=pt-BR"))
        #expect(args.contains("--accept-lang=pt-BR,pt"))
        #expect(args.contains("--window-size=1280,800"))
        #expect(args.contains("--screen-info={1280x800}"))
        #expect(args.contains("--proxy-server=socks5://10.0.0.1:1080"))
        #expect(options.environment(inheriting: ["PATH": "/bin", "TZ": "UTC"]) == ["PATH": "/bin", "TZ": "America/Sao_Paulo"])
    }

    @Test func theExecutableComesFromTheEnvironmentFirst() {
        #expect(ChromiumLaunchOptions.locateExecutable(environment: ["WA_CHROMIUM": "/opt/chrome/chrome"]) == "/opt/chrome/chrome")
    }
}
