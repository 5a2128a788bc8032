import Foundation
import Synchronization

/// A request a page is about to make, paused by ``RequestInterception``.
public struct InterceptedRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [String: String]
    /// `Document`, `Script`, `XHR`, `WebSocket`, …
    public var resourceType: String?

    public init(url: String, method: String, headers: [String: String], resourceType: String?) {
        self.url = url
        self.method = method
        self.headers = headers
        self.resourceType = resourceType
    }
}

/// What to do with an ``InterceptedRequest``.
public enum RequestDecision: Sendable, Equatable {
    /// Let it go to the network.
    case proceed
    /// Answer it here.
    case fulfill(status: Int, headers: [CDP.Fetch.HeaderEntry], body: [UInt8])
    /// Fail it with a `Network.ErrorReason` (`InternetDisconnected`, `BlockedByClient`, `Failed`, …).
    case fail(reason: String)
}

/// Proxy credentials, answered through DevTools when the proxy asks (never put on the command line).
public struct ProxyCredentials: Sendable, Equatable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// Pauses a page's requests (`Fetch`) to decide each one, and answers proxy authentication challenges.
///
/// Every paused request is answered in a task of its own, so a slow decision holds up only its own request. A proxy
/// challenge gets the credentials once per request; if the proxy asks again for the same request they were wrong,
/// and the request is refused (`CancelAuth`). A server's challenge (a site asking for a password) gets the browser's
/// default handling.
///
/// ```swift
/// let interception = try await RequestInterception.start(on: page, proxyCredentials: credentials) { request in
///     request.url.hasPrefix("https://ads.") ? .fail(reason: "BlockedByClient") : .proceed
/// }
/// ```
public final class RequestInterception: Sendable {
    private let page: Page
    private let worker: Task<Void, Never>
    private let shared: Shared

    /// How many requests were decided, and how many proxy challenges answered.
    public struct Counters: Sendable, Equatable {
        public var decided = 0
        public var proxyChallenges = 0
    }

    private init(page: Page, worker: Task<Void, Never>, shared: Shared) {
        self.page = page
        self.worker = worker
        self.shared = shared
    }

    /// Starts pausing `page`'s requests matching `patterns` (all by default).
    ///
    /// - Parameters:
    ///   - proxyCredentials: answered to the proxy's challenges; nil leaves challenges to the browser.
    ///   - decide: called for every paused request.
    public static func start(
        on page: Page, patterns: [String] = ["*"], proxyCredentials: ProxyCredentials? = nil,
        decide: @escaping @Sendable (InterceptedRequest) async -> RequestDecision
    ) async throws -> RequestInterception {
        let events = await page.events(["Fetch.requestPaused", "Fetch.authRequired"])
        let shared = Shared()
        let worker = Task {
            await withTaskGroup(of: Void.self) { group in
                for await event in events {
                    group.addTask {
                        await Self.handle(event, on: page, credentials: proxyCredentials, shared: shared, decide: decide)
                    }
                }
            }
        }
        do {
            _ = try await page.send(CDP.Fetch.Enable(
                patterns: patterns.map(CDP.Fetch.RequestPattern.init(urlPattern:)),
                handleAuthRequests: proxyCredentials != nil))
        } catch {
            worker.cancel()
            throw error
        }
        return RequestInterception(page: page, worker: worker, shared: shared)
    }

    /// What was handled so far.
    public var counts: Counters { shared.counters.withLock { $0 } }

    /// Stops pausing requests (`Fetch.disable`); requests paused already are still answered.
    public func stop() async {
        _ = try? await page.send(CDP.Fetch.Disable())
        worker.cancel()
    }

    private final class Shared: Sendable {
        let counters = Mutex(Counters())
        /// Requests whose proxy challenge was answered with the credentials once.
        let challenged = Mutex(Set<String>())
    }

    private static func handle(
        _ event: CDPEvent, on page: Page, credentials: ProxyCredentials?, shared: Shared,
        decide: @Sendable (InterceptedRequest) async -> RequestDecision
    ) async {
        do {
            switch event.method {
            case "Fetch.authRequired":
                let challenge = try event.decode(CDP.Fetch.AuthRequired.self)
                let response: CDP.Fetch.AuthChallengeResponse
                if challenge.authChallenge.source == "Proxy", let credentials {
                    let first = shared.challenged.withLock { $0.insert(challenge.requestId).inserted }
                    shared.counters.withLock { $0.proxyChallenges += 1 }
                    response = first
                        ? .init(response: "ProvideCredentials", username: credentials.username, password: credentials.password)
                        : .init(response: "CancelAuth")
                } else {
                    response = .init(response: "Default")
                }
                _ = try await page.send(CDP.Fetch.ContinueWithAuth(
                    requestId: challenge.requestId, authChallengeResponse: response))
            default:
                let paused = try event.decode(CDP.Fetch.RequestPaused.self)
                let request = InterceptedRequest(
                    url: paused.request.url, method: paused.request.method, headers: paused.request.headers,
                    resourceType: paused.resourceType)
                let decision = await decide(request)
                shared.counters.withLock { $0.decided += 1 }
                switch decision {
                case .proceed:
                    _ = try await page.send(CDP.Fetch.ContinueRequest(requestId: paused.requestId))
                case .fulfill(let status, let headers, let body):
                    _ = try await page.send(CDP.Fetch.FulfillRequest(
                        requestId: paused.requestId, responseCode: status, responseHeaders: headers,
                        body: Data(body).base64EncodedString()))
                case .fail(let reason):
                    _ = try await page.send(CDP.Fetch.FailRequest(requestId: paused.requestId, errorReason: reason))
                }
            }
        } catch {
            // The page went away, or the request was cancelled meanwhile (navigation): nothing left to answer.
        }
    }
}
