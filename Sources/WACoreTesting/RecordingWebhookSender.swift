import Synchronization
public import WACore

/// A ``WebhookSender`` that sends nothing: it records every request and answers with scripted outcomes.
///
/// Tests use it to drive the ``WebhookDeliveryWorker`` without a network (as do applications that test their own
/// webhook handling); real deliveries go through an HTTP sender such as WAHTTP's. Answers are chosen in this order:
/// 1. the next outcome queued for the request's URL (``enqueue(_:for:)``), consumed;
/// 2. the responder closure, if one was given;
/// 3. the standing outcome for the URL (``setOutcome(_:for:)``);
/// 4. the default outcome (200 unless set otherwise).
///
/// ```swift
/// let sender = RecordingWebhookSender()
/// sender.enqueue([.response(statusCode: 503), .timeout], for: "https://hooks.example.com/wa")
/// // … run the worker …
/// sender.requests(to: "https://hooks.example.com/wa").count   // 3 attempts, the third answered 200
/// ```
public final class RecordingWebhookSender: WebhookSender {
    /// Computes an answer for a request.
    public typealias Responder = @Sendable (WebhookHTTPRequest) async -> WebhookAttemptOutcome

    private struct State {
        var requests: [WebhookHTTPRequest] = []
        var queued: [String: [WebhookAttemptOutcome]] = [:]
        var standing: [String: WebhookAttemptOutcome] = [:]
        var defaultOutcome: WebhookAttemptOutcome
    }

    private let state: Mutex<State>
    private let responder: Responder?

    /// A sender answering `defaultOutcome` (200) unless scripted otherwise.
    public init(defaultOutcome: WebhookAttemptOutcome = .response(statusCode: 200)) {
        state = Mutex(State(defaultOutcome: defaultOutcome))
        responder = nil
    }

    /// A sender that asks `responder` for every request that has no queued outcome.
    public init(responder: @escaping Responder) {
        state = Mutex(State(defaultOutcome: .response(statusCode: 200)))
        self.responder = responder
    }

    /// Queues outcomes for the next requests to `url` (normalized URL text, as stored on the endpoint).
    public func enqueue(_ outcomes: [WebhookAttemptOutcome], for url: String) {
        state.withLock { $0.queued[url, default: []] += outcomes }
    }

    /// Answers every request to `url` that has no queued outcome with `outcome` (`nil` removes it).
    public func setOutcome(_ outcome: WebhookAttemptOutcome?, for url: String) {
        state.withLock { $0.standing[url] = outcome }
    }

    /// Answers every request without a more specific script with `outcome`.
    public func setDefaultOutcome(_ outcome: WebhookAttemptOutcome) {
        state.withLock { $0.defaultOutcome = outcome }
    }

    /// Every request so far, in order.
    public var requests: [WebhookHTTPRequest] { state.withLock { $0.requests } }

    /// The requests to `url`, in order.
    public func requests(to url: String) -> [WebhookHTTPRequest] {
        state.withLock { $0.requests.filter { $0.url == url } }
    }

    /// Forgets the recorded requests (scripts stay).
    public func clearRequests() {
        state.withLock { $0.requests.removeAll() }
    }

    public func send(_ request: WebhookHTTPRequest) async -> WebhookAttemptOutcome {
        let queued = state.withLock { s -> WebhookAttemptOutcome? in
            s.requests.append(request)
            guard var outcomes = s.queued[request.url], !outcomes.isEmpty else { return nil }
            let next = outcomes.removeFirst()
            s.queued[request.url] = outcomes
            return next
        }
        if let queued { return queued }
        if let responder { return await responder(request) }
        return state.withLock { $0.standing[request.url] ?? $0.defaultOutcome }
    }
}
