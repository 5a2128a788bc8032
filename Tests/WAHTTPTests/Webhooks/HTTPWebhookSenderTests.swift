import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WACore
@testable import WAHTTP

/// `HTTPWebhookSender` over real HTTP on loopback: what reaches the receiver, the SSRF refusals (with proof that no
/// connection was made), the address it connects to, redirects, timeouts, response sizes and shutdown.
@Suite("HTTP webhook sender")
struct HTTPWebhookSenderTests {
    /// Plain http to 127.0.0.1 only: a test receiver, explicitly allowed.
    static let loopbackAllowed = WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.1")!])
    /// Plain http, and no non-public target allowed.
    static let noPrivateTargets = WebhookURLPolicy(allowInsecureHTTP: true)

    // MARK: Delivery

    @Test func postsTheSignedBytesToAnExplicitlyAllowedReceiver() async throws {
        let receiver = WebhookReceiver()
        let secret = try WebhookSecret.generate(using: SystemRandomSource())
        receiver.verify(with: secret)
        let port = try await receiver.start()
        let resolver = ScriptedResolver([:])
        try await withSender(resolver: resolver) { sender in
            let request = try Self.request(
                "http://127.0.0.1:\(port)/hooks", policy: Self.loopbackAllowed, secret: secret)
            let outcome = await sender.send(request)
            #expect(outcome == .response(statusCode: 200))
            #expect(resolver.calls == 0, "an IP literal needs no lookup")
            let received = receiver.received
            #expect(received.count == 1)
            #expect(received.first?.body == request.body)
            #expect(received.first?.webhookID == request.header("webhook-id"))
            #expect(received.first?.headers["content-type"] == "application/json")
            #expect(received.first?.authority == "127.0.0.1:\(port)")
        }
        #expect(receiver.invalidSignatures == 0)
        try await receiver.stop()
    }

    @Test func theSameLoopbackURLIsRefusedWithoutTheAllowance() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        try await withSender { sender in
            let outcome = await sender.send(
                try Self.request("http://127.0.0.1:\(port)/hooks", policy: Self.noPrivateTargets))
            #expect(outcome == .connectionFailed("forbidden address"))
        }
        #expect(receiver.hits("/hooks") == 0)
        try await receiver.stop()
    }

    // MARK: SSRF

    /// Non-public targets, as IP literals and as a name that resolves to loopback (through the system resolver).
    /// `{port}` is a loopback port with a listener that counts connections.
    static let forbiddenTargets = [
        "http://127.0.0.1:{port}/hooks", "http://[::1]:{port}/hooks", "http://10.0.0.1:{port}/hooks",
        "http://169.254.169.254/latest/meta-data/", "http://localhost:{port}/hooks", "https://localhost:{port}/hooks",
        "http://[::ffff:127.0.0.1]:{port}/hooks", "http://0.0.0.0:{port}/hooks",
    ]

    @Test(arguments: forbiddenTargets)
    func nonPublicTargetsAreRefusedWithoutConnecting(_ template: String) async throws {
        let listener = try await CountingListener.start(host: "127.0.0.1")
        // Also on ::1 at the same port where the system has IPv6 loopback.
        let listener6 = try? await CountingListener.start(host: "::1", port: listener.port)
        let url = template.replacingOccurrences(of: "{port}", with: "\(listener.port)")
        try await withSender { sender in
            // A long timeout: resolving `localhost` through the system resolver can take seconds on a loaded machine,
            // and the outcome, not its speed, is what is checked.
            let outcome = await sender.send(
                try Self.request(url, policy: Self.noPrivateTargets, timeout: .seconds(120)))
            #expect(outcome == .connectionFailed("forbidden address"))
        }
        #expect(listener.connections == 0)
        #expect((listener6?.connections ?? 0) == 0)
        try await listener.stop()
        try await listener6?.stop()
    }

    @Test func everyResolvedAddressIsChecked() async throws {
        // The name resolves to an allowed address first and a forbidden one second: refused, nothing connected.
        let listener = try await CountingListener.start(host: "127.0.0.1")
        let resolver = ScriptedResolver(["hooks.mixed.test": [IPAddress("127.0.0.1")!, IPAddress("10.0.0.1")!]])
        try await withSender(resolver: resolver) { sender in
            let outcome = await sender.send(
                try Self.request("http://hooks.mixed.test:\(listener.port)/hooks", policy: Self.loopbackAllowed))
            #expect(outcome == .connectionFailed("forbidden address"))
        }
        #expect(listener.connections == 0)
        #expect(resolver.calls == 1)
        try await listener.stop()
    }

    @Test func connectsToTheAddressItCheckedKeepingTheHostName() async throws {
        // `localhost` is 127.0.0.1 to the system; the sender's resolver says 127.0.0.2, the only address allowed.
        // A second lookup anywhere on the way would reach the counting listener on 127.0.0.1 instead.
        let receiver = WebhookReceiver(host: "127.0.0.2")
        let secret = try WebhookSecret.generate(using: SystemRandomSource())
        receiver.verify(with: secret)
        let port = try await receiver.start()
        let decoy = try await CountingListener.start(host: "127.0.0.1", port: port)
        let resolver = ScriptedResolver(["localhost": [IPAddress("127.0.0.2")!]])
        let policy = WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.2")!])
        try await withSender(resolver: resolver) { sender in
            for _ in 0..<2 {
                let outcome = await sender.send(
                    try Self.request("http://localhost:\(port)/hooks", policy: policy, secret: secret))
                #expect(outcome == .response(statusCode: 200))
            }
        }
        #expect(receiver.received.map(\.authority) == ["localhost:\(port)", "localhost:\(port)"])
        #expect(resolver.calls == 2, "one lookup per attempt, by the sender's resolver only")
        #expect(decoy.connections == 0)
        #expect(receiver.invalidSignatures == 0)
        try await decoy.stop()
        try await receiver.stop()
    }

    @Test func theSystemResolverFindsLocalhost() async throws {
        let addresses = try await SystemWebhookHostResolver().addresses(of: "localhost")
        #expect(addresses.contains(IPAddress("127.0.0.1")!) || addresses.contains(IPAddress("::1")!))
        #expect(addresses.allSatisfy { $0.specialUse == .loopback })
    }

    @Test(.timeLimit(.minutes(1)))
    func aLookupThatNeverAnswersTimesOut() async throws {
        try await withSender(resolver: SilentResolver()) { sender in
            let outcome = await sender.send(
                try Self.request("https://hooks.example.com/x", policy: .standard, timeout: .milliseconds(300)))
            #expect(outcome == .timeout)
        }
    }

    @Test func theNextCheckedAddressIsTriedWhenNoConnectionCanBeMade() async throws {
        // The first address has nothing listening on the port; the second is the receiver. Both are allowed.
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let resolver = ScriptedResolver(["hooks.dual.test": [IPAddress("127.0.0.3")!, IPAddress("127.0.0.1")!]])
        let policy = WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.0/8")!])
        try await withSender(resolver: resolver) { sender in
            let outcome = await sender.send(try Self.request("http://hooks.dual.test:\(port)/hooks", policy: policy))
            #expect(outcome == .response(statusCode: 401))
        }
        #expect(receiver.hits("/hooks") == 1)
        #expect(resolver.calls == 1)
        try await receiver.stop()
    }

    @Test func aNameThatDoesNotResolveFailsSafely() async throws {
        try await withSender(resolver: ScriptedResolver([:])) { sender in
            let outcome = await sender.send(try Self.request("https://hooks.nowhere.test/x", policy: .standard))
            #expect(outcome == .connectionFailed("name not resolved"))
        }
    }

    // MARK: Responses

    @Test func redirectsAreTheOutcomeAndAreNotFollowed() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        try await withSender { sender in
            let outcome = await sender.send(
                try Self.request("http://127.0.0.1:\(port)/redirect", policy: Self.loopbackAllowed))
            #expect(outcome == .response(statusCode: 302))
        }
        #expect(receiver.hits("/redirect") == 1)
        #expect(receiver.hits("/hooks") == 0)
        try await receiver.stop()
    }

    @Test func retryAfterAndAbortRequestsAreReported() async throws {
        let receiver = WebhookReceiver()
        let secret = try WebhookSecret.generate(using: SystemRandomSource())
        receiver.verify(with: secret)
        receiver.respond { _, earlier in
            earlier == 0
                ? .init(status: 503, headers: ["Retry-After": "120"])
                : .init(status: 409, headers: ["Webhook-Delivery": "abort-message"])
        }
        let port = try await receiver.start()
        try await withSender { sender in
            let request = try Self.request(
                "http://127.0.0.1:\(port)/hooks", policy: Self.loopbackAllowed, secret: secret)
            let first = await sender.send(request)
            #expect(first == .response(statusCode: 503, retryAfter: .delay(.seconds(120)), abortRequested: false))
            let second = await sender.send(request)
            #expect(second == .response(statusCode: 409, retryAfter: nil, abortRequested: true))
        }
        try await receiver.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aReceiverThatNeverAnswersTimesOut() async throws {
        let listener = try await CountingListener.start(host: "127.0.0.1")
        try await withSender { sender in
            let outcome = await sender.send(
                try Self.request(
                    "http://127.0.0.1:\(listener.port)/hooks", policy: Self.loopbackAllowed,
                    timeout: .milliseconds(500)))
            #expect(outcome == .timeout)
        }
        #expect(listener.connections == 1, "it connected, sent, and gave up waiting")
        try await listener.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aHugeResponseBodyIsNotRead() async throws {
        let server = try await HugeResponseServer.start()
        try await withSender { sender in
            let outcome = await sender.send(
                try Self.request("http://127.0.0.1:\(server.port)/hooks", policy: Self.loopbackAllowed))
            #expect(outcome == .response(statusCode: 200))
        }
        // The sender dropped the connection after a few KiB: the server's writes stop far short of the body, once
        // the socket buffers are full or the connection is gone.
        while !server.body.ended { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.body.written < HugeResponseServer.size)
        try await server.stop()
    }

    @Test func aClosedPortIsRefusedAtOnce() async throws {
        // A port held by a socket that is bound but not listening: connections to it are refused, and no other test
        // running meanwhile can start listening on it (a port merely "just freed" could be taken again).
        // The address still goes through the system resolver on a thread pool, which a whole test run keeps busy:
        // a generous timeout keeps a slow lookup from passing for a hung connection.
        let held = try BoundPort()
        defer { held.close() }
        try await withSender { sender in
            let outcome = await sender.send(
                try Self.request(
                    "http://127.0.0.1:\(held.port)/hooks", policy: Self.loopbackAllowed, timeout: .seconds(120)))
            #expect(outcome == .connectionFailed("refused"))
        }
    }

    // MARK: Clients and lifecycle

    @Test func idleClientsAreBounded() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let loopback = IPAddress("127.0.0.1")!
        let resolver = ScriptedResolver(
            ["a.hooks.test": [loopback], "b.hooks.test": [loopback], "c.hooks.test": [loopback]])
        try await withSender(configuration: .init(maximumIdleClients: 2), resolver: resolver) { sender in
            for host in ["a", "b", "a", "c"] {
                let outcome = await sender.send(
                    try Self.request("http://\(host).hooks.test:\(port)/hooks", policy: Self.loopbackAllowed))
                // Signed with a secret the receiver does not know: answered 401, which is an answer all the same.
                #expect(outcome == .response(statusCode: 401))
            }
            let open = await sender.openClients
            #expect(open == 2)
        }
        #expect(receiver.hits("/hooks") == 4)
        try await receiver.stop()
    }

    @Test func afterShutdownNothingIsSent() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let sender = HTTPWebhookSender()
        // As a service: graceful shutdown of its group shuts its clients down.
        let group = ServiceGroup(configuration: .init(services: [sender], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        let first = await sender.send(try Self.request("http://127.0.0.1:\(port)/hooks", policy: Self.loopbackAllowed))
        #expect(first == .response(statusCode: 401))
        await group.triggerGracefulShutdown()
        try await running.value
        let second = await sender.send(try Self.request("http://127.0.0.1:\(port)/hooks", policy: Self.loopbackAllowed))
        #expect(second == .connectionFailed("sender shut down"))
        #expect(receiver.hits("/hooks") == 1)
        try await receiver.stop()
    }

    // MARK: Helpers

    /// Runs `body` with a sender, and shuts the sender down afterwards whatever happens.
    private func withSender(
        configuration: HTTPWebhookSender.Configuration = .init(),
        resolver: any WebhookHostResolver = SystemWebhookHostResolver(),
        _ body: (HTTPWebhookSender) async throws -> Void
    ) async throws {
        let sender = HTTPWebhookSender(configuration: configuration, resolver: resolver)
        do {
            try await body(sender)
        } catch {
            await sender.shutdown()
            throw error
        }
        await sender.shutdown()
    }

    /// A signed request, as the delivery worker makes them.
    static func request(
        _ url: String, policy: WebhookURLPolicy, timeout: Duration = .seconds(10), secret: WebhookSecret? = nil
    ) throws -> WebhookHTTPRequest {
        let body = Array(#"{"type":"message.sent","data":{"n":1}}"#.utf8)
        let signer = try WebhookRequestSigner(
            mode: .standardWebhooks, secrets: [secret ?? WebhookSecret.generate(using: SystemRandomSource())])
        let headers =
            [HTTPHeaderField(name: "content-type", value: "application/json")]
            + signer.headers(id: "evt_\(UUID().uuidString)", payload: body, at: Date())
        return WebhookHTTPRequest(
            url: url, headers: headers, body: body, timeout: timeout, targetPolicy: policy,
            deliveryID: DeliveryID(uuid: UUID()), endpointID: WebhookEndpointID(uuid: UUID()), attempt: 1)
    }
}

/// A resolver with fixed answers that counts its lookups; names it does not know do not resolve.
final class ScriptedResolver: WebhookHostResolver {
    private let answers: [String: [IPAddress]]
    private let lookups = Mutex(0)

    init(_ answers: [String: [IPAddress]]) {
        self.answers = answers
    }

    var calls: Int { lookups.withLock { $0 } }

    struct Unknown: Error {}

    func addresses(of host: String) async throws -> [IPAddress] {
        lookups.withLock { $0 += 1 }
        guard let addresses = answers[host] else { throw Unknown() }
        return addresses
    }
}

/// A resolver that never answers (until the attempt gives up on it).
struct SilentResolver: WebhookHostResolver {
    func addresses(of host: String) async throws -> [IPAddress] {
        try await Task.sleep(for: .seconds(3_600))
        return []
    }
}

/// A TCP port on 127.0.0.1 held by a bound socket that never listens.
private struct BoundPort {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WAError(.internalError, "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw WAError(.internalError, "bind() failed: errno \(errno)")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
