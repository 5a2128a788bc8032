import Foundation
public import Logging
import NIOCore

/// One DevTools connection to a browser: numbers the calls, routes answers and events to their sessions, and makes
/// sure no call waits forever.
///
/// Every call ends: with its answer, with the browser's error (``CDPError/protocolError(method:code:message:data:)``),
/// at its timeout (``CDPError/timeout(method:after:)``), when the caller's task is cancelled, when its session's
/// target is closed or crashes (only that session's calls fail), or when the connection ends (all of them fail with
/// ``CDPError/connectionClosed(reason:recentOutput:)``, carrying the browser's last output when it is known).
///
/// ```swift
/// let connection = CDPConnection(transport: transport)
/// let version = try await connection.send(CDP.Browser.GetVersion())
/// let target = try await connection.send(CDP.Target.CreateTarget(url: "about:blank"))
/// let session = try await connection.send(CDP.Target.AttachToTarget(targetId: target.targetId)).sessionId
/// for await event in await connection.events(session: session, methods: ["Page.loadEventFired"]) { … }
/// ```
///
/// Sessions are flat-mode sessions: a session is known from its `Target.attachedToTarget` event (which the browser
/// sends before the answer to `Target.attachToTarget`) until `Target.detachedFromTarget`; commands for an unknown
/// or detached session fail at once with ``CDPError/targetClosed(_:)``. Events are never dropped: each subscriber has
/// an unbounded buffer, so subscribe with a method filter and keep consuming.
public actor CDPConnection {
    /// The timeout of a call that does not give one. A call may pass `.zero` for no timeout (a long
    /// `awaitPromise` evaluation).
    public let defaultTimeout: Duration

    private let transport: any CDPTransport
    private let logger: Logger
    private let recentOutput: @Sendable () -> [String]
    private var nextCallID = 1
    private var pending: [Int: PendingCall] = [:]
    private var sessions: [CDPSessionID: SessionState] = [:]
    private var subscribers: [SubscriptionKey: [Int: Subscriber]] = [:]
    private var nextSubscriberID = 0
    private var closure: CDPError?
    /// Finishes when the reader has stopped.
    private let readerStopped: AsyncStream<Void>
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// Starts reading from `transport` at once.
    ///
    /// - Parameters:
    ///   - defaultTimeout: the timeout of calls that do not give one (30 s).
    ///   - recentOutput: the browser's last lines of output, added to ``CDPError/connectionClosed(reason:recentOutput:)``.
    ///   - logger: every message sent and received is logged at `trace` level (the first 2 KB of it; the parameters of
    ///     commands that carry credentials, `Fetch.continueWithAuth`, are withheld).
    public init(
        transport: some CDPTransport, defaultTimeout: Duration = .seconds(30),
        recentOutput: @escaping @Sendable () -> [String] = { [] },
        logger: Logger = Logger(label: "wa.browser.devtools")
    ) {
        self.transport = transport
        self.defaultTimeout = defaultTimeout
        self.recentOutput = recentOutput
        self.logger = logger
        encoder.outputFormatting = .withoutEscapingSlashes
        let inbound = transport.inbound
        let (readerStopped, stopped) = AsyncStream.makeStream(of: Void.self)
        self.readerStopped = readerStopped
        Task { [weak self] in
            defer { stopped.finish() }
            var reason = "the browser closed the connection"
            do {
                for try await message in inbound {
                    guard let self else { return }
                    await self.receive(message)
                }
            } catch {
                reason = "\(error)"
            }
            await self?.shutDown(reason: reason)
        }
    }

    // MARK: Calls

    /// Sends `command` (to the browser, or to `session`'s target) and returns its result.
    ///
    /// - Parameter timeout: overrides ``defaultTimeout``; `.zero` waits without limit (cancellation and the
    ///   connection's end still end the call).
    public func send<Command: CDPCommand>(
        _ command: Command, session: CDPSessionID? = nil, timeout: Duration? = nil
    ) async throws -> Command.Response {
        let answer = try await call(method: Command.method, params: command, session: session, timeout: timeout)
        return try decodeResult(Command.Response.self, method: Command.method, from: answer)
    }

    /// Sends a command by name, for methods without a typed wrapper.
    public func send<Result: Decodable & Sendable>(
        method: String, params: some Encodable & Sendable, session: CDPSessionID? = nil, timeout: Duration? = nil,
        as _: Result.Type = Result.self
    ) async throws -> Result {
        let answer = try await call(method: method, params: params, session: session, timeout: timeout)
        return try decodeResult(Result.self, method: method, from: answer)
    }

    /// Sends a command and does not wait for its answer (`Page.crash` and `Browser.close` are never answered, or
    /// the connection ends first). Throws only when the message cannot be written.
    public func post(method: String, params: some Encodable & Sendable, session: CDPSessionID? = nil) throws {
        if let closure { throw closure }
        let id = nextCallID
        nextCallID += 1
        try write(try encodeRequest(id: id, method: method, params: params, session: session), method: method)
    }

    private func call(
        method: String, params: some Encodable & Sendable, session: CDPSessionID?, timeout: Duration?
    ) async throws -> ByteBuffer {
        try Task.checkCancellation()
        if let closure { throw closure }
        if let session {
            switch sessions[session] {
            case nil: throw CDPError.targetClosed(session)
            case .crashed: throw CDPError.targetCrashed(session)
            case .attached: break
            }
        }
        let id = nextCallID
        nextCallID += 1
        let message = try encodeRequest(id: id, method: method, params: params, session: session)
        let limit = timeout ?? defaultTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer, any Error>) in
                var timer: Task<Void, Never>?
                if limit > .zero {
                    timer = Task { [weak self] in
                        guard (try? await Task.sleep(for: limit)) != nil else { return }
                        await self?.finish(id, with: .failure(CDPError.timeout(method: method, after: limit)))
                    }
                }
                // Registered before the write, so an answer can never arrive for an unknown id.
                pending[id] = PendingCall(method: method, session: session, continuation: continuation, timer: timer)
                do {
                    try write(message, method: method)
                } catch {
                    finish(id, with: .failure(error))
                }
            }
        } onCancel: {
            Task { await self.finish(id, with: .failure(CancellationError())) }
        }
    }

    /// Commands whose parameters are never logged: they carry credentials (a proxy's password).
    static let unloggedParameters: Set<String> = ["Fetch.continueWithAuth"]

    private func write(_ message: ByteBuffer, method: String) throws {
        if logger.logLevel <= .trace {
            let shown = Self.unloggedParameters.contains(method)
                ? "\(method) (parameters withheld: credentials)" : Self.excerpt(message)
            logger.trace("SEND ► \(shown)")
        }
        do {
            try transport.send(message)
        } catch {
            throw CDPError.connectionClosed(reason: "cannot write to the browser: \(error)", recentOutput: recentOutput())
        }
    }

    private func finish(_ id: Int, with result: Result<ByteBuffer, any Error>) {
        guard let call = pending.removeValue(forKey: id) else { return }
        call.timer?.cancel()
        call.continuation.resume(with: result)
    }

    // MARK: Events

    /// The events of `session` (nil: the browser's own events), from now on, in order.
    ///
    /// - Parameter methods: only these events (all when nil). Filtering here keeps unread events from piling up.
    /// - Returns: a stream that finishes when the session is detached or crashes (after delivering
    ///   `Inspector.targetCrashed`) or the connection ends; an already finished stream for a session that is not
    ///   attached.
    public func events(session: CDPSessionID? = nil, methods: Set<String>? = nil) -> AsyncStream<CDPEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: CDPEvent.self, bufferingPolicy: .unbounded)
        let key = SubscriptionKey(session)
        if closure != nil || session.map({ sessions[$0] != .attached }) == true {
            continuation.finish()
            return stream
        }
        let id = nextSubscriberID
        nextSubscriberID += 1
        subscribers[key, default: [:]][id] = Subscriber(methods: methods, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(key, id) }
        }
        return stream
    }

    private func unsubscribe(_ key: SubscriptionKey, _ id: Int) {
        subscribers[key]?[id] = nil
        if subscribers[key]?.isEmpty == true { subscribers[key] = nil }
    }

    /// Whether `session` is attached and its target has not crashed.
    public func isAttached(_ session: CDPSessionID) -> Bool {
        sessions[session] == .attached
    }

    /// Why the connection ended, or nil while it is open.
    public var closedReason: CDPError? { closure }

    // MARK: Routing

    private func receive(_ message: ByteBuffer) {
        if logger.logLevel <= .trace {
            logger.trace("RECV ◀ \(Self.excerpt(message))")
        }
        let header: MessageHeader
        do {
            header = try decoder.decode(MessageHeader.self, from: Data(message.readableBytesView))
        } catch {
            logger.warning("ignoring a DevTools message that is not JSON", metadata: ["error": "\(error)"])
            return
        }
        let session = header.sessionId.map(CDPSessionID.init(rawValue:))
        if let id = header.id {
            finish(id, with: .success(message))
            return
        }
        guard let method = header.method else { return }
        let event = CDPEvent(method: method, session: session, raw: message)
        switch method {
        case "Target.attachedToTarget":
            if let attached = try? event.decode(SessionParameters.self) {
                sessions[CDPSessionID(rawValue: attached.sessionId)] = .attached
            }
        case "Target.detachedFromTarget":
            if let detached = try? event.decode(SessionParameters.self) {
                let child = CDPSessionID(rawValue: detached.sessionId)
                deliver(event, to: SubscriptionKey(session))
                endSession(child, failing: .targetClosed(child))
                return
            }
        case "Inspector.targetCrashed":
            if let session {
                deliver(event, to: SubscriptionKey(session))
                endSession(session, failing: .targetCrashed(session))
                sessions[session] = .crashed
                return
            }
        case "Inspector.detached":
            if let session {
                deliver(event, to: SubscriptionKey(session))
                endSession(session, failing: .targetClosed(session))
                return
            }
        default:
            break
        }
        // Late events of a session that is gone are dropped.
        if let session, sessions[session] != .attached { return }
        deliver(event, to: SubscriptionKey(session))
    }

    private func deliver(_ event: CDPEvent, to key: SubscriptionKey) {
        guard let subscribers = subscribers[key] else { return }
        for subscriber in subscribers.values where subscriber.methods?.contains(event.method) ?? true {
            subscriber.continuation.yield(event)
        }
    }

    private func endSession(_ session: CDPSessionID, failing error: CDPError) {
        sessions[session] = nil
        for (id, call) in pending where call.session == session {
            finish(id, with: .failure(error))
        }
        for subscriber in subscribers.removeValue(forKey: SubscriptionKey(session))?.values ?? [:].values {
            subscriber.continuation.finish()
        }
    }

    // MARK: Closing

    /// Closes the connection: pending calls fail with ``CDPError/connectionClosed(reason:recentOutput:)``, every
    /// event stream finishes, and later calls fail at once. Idempotent.
    public func close() async {
        shutDown(reason: "the connection was closed")
        await transport.close()
        for await _ in readerStopped {}
    }

    private func shutDown(reason: String) {
        guard closure == nil else { return }
        let error = CDPError.connectionClosed(reason: reason, recentOutput: recentOutput())
        closure = error
        for id in Array(pending.keys) {
            finish(id, with: .failure(error))
        }
        for subscribers in subscribers.values {
            for subscriber in subscribers.values { subscriber.continuation.finish() }
        }
        subscribers = [:]
        sessions = [:]
    }

    // MARK: Encoding

    private func encodeRequest(
        id: Int, method: String, params: some Encodable, session: CDPSessionID?
    ) throws -> ByteBuffer {
        do {
            let data = try encoder.encode(Request(id: id, method: method, params: params, sessionId: session?.rawValue))
            return ByteBuffer(bytes: data)
        } catch {
            throw CDPError.malformedResponse(method: method, detail: "cannot encode the parameters: \(error)")
        }
    }

    private func decodeResult<Result: Decodable>(
        _: Result.Type, method: String, from answer: ByteBuffer
    ) throws -> Result {
        let envelope: ResponseEnvelope<Result>
        do {
            envelope = try decoder.decode(ResponseEnvelope<Result>.self, from: Data(answer.readableBytesView))
        } catch {
            throw CDPError.malformedResponse(method: method, detail: "\(error)")
        }
        if let error = envelope.error {
            if error.code == -32001, let session = envelope.sessionId {
                throw CDPError.targetClosed(CDPSessionID(rawValue: session))
            }
            throw CDPError.protocolError(method: method, code: error.code, message: error.message, data: error.data)
        }
        guard let result = envelope.result else {
            throw CDPError.malformedResponse(method: method, detail: "neither a result nor an error")
        }
        return result
    }

    private static func excerpt(_ message: ByteBuffer) -> String {
        let bytes = message.readableBytesView
        let text = String(decoding: bytes.prefix(2048), as: UTF8.self)
        return bytes.count > 2048 ? text + "… (\(bytes.count) bytes)" : text
    }
}

// MARK: - Internal types

extension CDPConnection {
    private struct PendingCall {
        var method: String
        var session: CDPSessionID?
        var continuation: CheckedContinuation<ByteBuffer, any Error>
        var timer: Task<Void, Never>?
    }

    private enum SessionState: Equatable {
        case attached
        case crashed
    }

    private struct SubscriptionKey: Hashable {
        var session: CDPSessionID?
        init(_ session: CDPSessionID?) { self.session = session }
    }

    private struct Subscriber {
        var methods: Set<String>?
        var continuation: AsyncStream<CDPEvent>.Continuation
    }

    private struct MessageHeader: Decodable {
        var id: Int?
        var method: String?
        var sessionId: String?
    }

    private struct SessionParameters: Decodable {
        var sessionId: String
    }

    private struct Request<Parameters: Encodable>: Encodable {
        var id: Int
        var method: String
        var params: Parameters
        var sessionId: String?
    }

    private struct ResponseEnvelope<Result: Decodable>: Decodable {
        var result: Result?
        var error: ErrorObject?
        var sessionId: String?
    }

    private struct ErrorObject: Decodable {
        var code: Int
        var message: String
        var data: String?
    }
}
