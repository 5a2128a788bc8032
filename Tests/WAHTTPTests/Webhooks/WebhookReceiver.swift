import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import WACore

/// A webhook receiver over real HTTP on loopback (127.0.0.1 by default), for tests: `POST /hooks` verifies the
/// Standard Webhooks signature of every request with WACore's verifier (a request that fails is answered 401 and
/// counted), records it, and answers what ``respond`` says. It can be stopped and started again on the same port (a
/// receiver that is down for a while). `POST /redirect` answers 302 to `/hooks` on the same server (which must then
/// see nothing).
final class WebhookReceiver: Sendable {
    /// One verified request.
    struct Received: Sendable {
        let webhookID: String
        let headers: [String: String]
        let body: [UInt8]
        /// The request's `Host` (HTTP/1) or `:authority`.
        let authority: String?
    }

    /// What to answer to a verified request.
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        static let ok = Answer(status: 200)
    }

    private struct State {
        var secret: WebhookSecret?
        var received: [Received] = []
        var invalidSignatures = 0
        var hits: [String: Int] = [:]
        var respond: @Sendable (Received, _ earlierCopies: Int) -> Answer = { _, _ in .ok }
    }

    private let state = Mutex(State())
    private let running = Mutex<(ServiceGroup, Task<Void, any Error>)?>(nil)
    private let now: @Sendable () -> Date
    private let host: String
    private let portValue = Mutex(0)
    /// The port it listens on (or last listened on); 0 before the first start.
    var port: Int { portValue.withLock { $0 } }

    /// A receiver on `host` (a loopback address) that checks timestamps against `now` (the gateway's clock).
    init(host: String = "127.0.0.1", now: @escaping @Sendable () -> Date = { Date() }) {
        self.host = host
        self.now = now
    }

    // MARK: Control

    /// The secret signatures are checked with (none set: every request is counted invalid).
    func verify(with secret: WebhookSecret) {
        state.withLock { $0.secret = secret }
    }

    /// How to answer from now on: given the request and how many requests with its `webhook-id` came before it.
    func respond(_ answer: @escaping @Sendable (Received, _ earlierCopies: Int) -> Answer) {
        state.withLock { $0.respond = answer }
    }

    var received: [Received] { state.withLock { $0.received } }
    var invalidSignatures: Int { state.withLock { $0.invalidSignatures } }
    /// Requests per path, verified or not.
    func hits(_ path: String) -> Int { state.withLock { $0.hits[path, default: 0] } }

    /// Starts listening (on the previous port when restarted, else on a free one) and returns the port.
    @discardableResult
    func start() async throws -> Int {
        let portSlot = PortSlot()
        let quiet = Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in portSlot.set(channel.localAddress?.port ?? 0) },
            logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let task = Task {
            do {
                try await group.run()
                portSlot.fail(CancellationError())
            } catch {
                portSlot.fail(error)
                throw error
            }
        }
        running.withLock { $0 = (group, task) }
        let bound = try await portSlot.value()
        portValue.withLock { $0 = bound }
        return bound
    }

    /// Stops listening; a request in progress is finished first.
    func stop() async throws {
        guard let (group, task) = running.withLock({ value in defer { value = nil }; return value }) else { return }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    // MARK: Routes

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hooks") { request, _ -> Response in
            self.state.withLock { $0.hits["/hooks", default: 0] += 1 }
            let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Received(
                webhookID: headers["webhook-id"] ?? "", headers: headers, body: body, authority: request.head.authority)
            let answer: Answer? = self.state.withLock { state in
                guard let secret = state.secret else {
                    state.invalidSignatures += 1
                    return nil
                }
                do {
                    try StandardWebhookVerifier(secret: secret).verify(payload: body, headers: headers, now: self.now())
                } catch {
                    state.invalidSignatures += 1
                    return nil
                }
                let earlier = state.received.count { $0.webhookID == received.webhookID }
                state.received.append(received)
                return state.respond(received, earlier)
            }
            guard let answer else { return Response(status: .unauthorized) }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let name = HTTPFields.Element.Name(name) { fields[name] = value }
            }
            return Response(status: .init(code: answer.status), headers: fields)
        }
        router.post("redirect") { request, _ -> Response in
            self.state.withLock { $0.hits["/redirect", default: 0] += 1 }
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .found, headers: [.location: "http://\(self.host):\(self.port)/hooks"])
        }
        return router
    }
}

/// The port a server reports once it listens, or the error it stopped with before that.
private final class PortSlot: Sendable {
    private let state = Mutex<Result<Int, any Error>?>(nil)

    func set(_ port: Int) { state.withLock { if $0 == nil { $0 = .success(port) } } }
    func fail(_ error: any Error) { state.withLock { if $0 == nil { $0 = .failure(error) } } }

    func value() async throws -> Int {
        while true {
            if let result = state.withLock({ $0 }) { return try result.get() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
