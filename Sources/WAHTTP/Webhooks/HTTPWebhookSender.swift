import AsyncHTTPClient
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle
public import WACore

/// WACore's ``WebhookSender`` over real HTTP, on AsyncHTTPClient: it makes each delivery attempt WACore signed and
/// scheduled, and reports what happened.
///
/// For each ``WebhookHTTPRequest`` it:
/// 1. takes the host from the URL; an IP literal is used as it is, a name is resolved once with the
///    ``WebhookHostResolver`` (the system's `getaddrinfo` by default);
/// 2. checks **every** address with the request's ``WebhookHTTPRequest/targetPolicy``
///    (``WebhookURLPolicy/isForbidden(address:)``): one forbidden address refuses the attempt as
///    `.connectionFailed("forbidden address")` before any connection is opened. Private, loopback and link-local
///    targets therefore need the policy's explicit allowance (``WebhookURLPolicy/allowedNetworks``);
/// 3. connects to the first checked address, and to the next ones in order only when a connection cannot be made
///    (refused, unreachable: nothing was sent), and to nothing else: AsyncHTTPClient is told the address
///    (`dnsOverride`), so it makes no lookup of its own that a rebinding DNS server could answer differently, while
///    the `Host` header, TLS server name (SNI) and certificate verification still use the host name;
/// 4. posts the body with WACore's headers, unchanged;
/// 5. reads at most ``Configuration/responseBodyLimit`` bytes of the response body and drops the rest (closing
///    the connection when there was more), and reports ``WebhookAttemptOutcome/response(statusCode:headers:)``
///    with the response's `Retry-After` and `webhook-delivery` headers.
///
/// Redirects are never followed (a 3xx is the outcome), no proxy is taken from the environment, no cookies are
/// kept, responses are not decompressed, and TLS certificates are verified against the system's trust roots. The
/// whole attempt — lookup, connection, TLS, request and response head — is bounded by
/// ``WebhookHTTPRequest/timeout`` and reported as ``WebhookAttemptOutcome/timeout`` when it runs out; reading the
/// bounded body stops there too, keeping the status. A connection that cannot be made fails the attempt at once
/// (`.connectionFailed("refused")`, …): retries are WACore's ``WebhookRetryPolicy``, not the client's. Failures
/// are described in a few fixed words, never with addresses or error text.
///
/// Connections are kept alive and reused: one AsyncHTTPClient client per (host, checked address), at most
/// ``Configuration/maximumIdleClients`` of them kept when idle (least recently used first out). Shut them down when
/// the gateway stops: run the sender as a ServiceLifecycle `Service` (``run()`` shuts down on graceful shutdown;
/// place it before the gateway in the service group so it outlives the delivery workers), or call ``shutdown()``.
///
/// ```swift
/// let sender = HTTPWebhookSender()
/// let gateway = Gateway(environment: environment, transport: whatsapp, webhookSender: sender)
/// let group = ServiceGroup(
///     services: [sender, gateway, httpServer], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct HTTPWebhookSender: WebhookSender, Service {
    /// Limits and connection reuse.
    public struct Configuration: Sendable {
        /// The most response body bytes read (the body is not used; reading a little lets a small response's
        /// connection be reused). 4 KiB by default.
        public var responseBodyLimit: Int
        /// How many clients (one per host and checked address) are kept while idle. 64 by default.
        public var maximumIdleClients: Int
        /// How long an idle keep-alive connection stays open. 60 seconds by default.
        public var idleConnectionTimeout: Duration

        /// A configuration; every parameter has the default.
        public init(
            responseBodyLimit: Int = 4096, maximumIdleClients: Int = 64, idleConnectionTimeout: Duration = .seconds(60)
        ) {
            self.responseBodyLimit = max(0, responseBodyLimit)
            self.maximumIdleClients = max(1, maximumIdleClients)
            self.idleConnectionTimeout = idleConnectionTimeout
        }
    }

    private let configuration: Configuration
    private let resolver: any WebhookHostResolver
    private let clients: WebhookClientCache
    private let logger: Logger

    /// A sender.
    ///
    /// - Parameters:
    ///   - configuration: limits and connection reuse.
    ///   - resolver: how host names become addresses (the system's resolver by default).
    ///   - eventLoopGroup: where connections run (NIO's shared group by default).
    ///   - logger: where failed attempts are logged at debug level (URLs redacted).
    public init(
        configuration: Configuration = Configuration(),
        resolver: any WebhookHostResolver = SystemWebhookHostResolver(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "wa-gateway.webhooks")
    ) {
        self.configuration = configuration
        self.resolver = resolver
        self.logger = logger
        // Each attempt passes its own deadline, which bounds connecting too; the client's connect timeout is only a
        // ceiling above any sensible attempt timeout.
        var client = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(60)),
            connectionPool: .init(idleTimeout: Self.timeAmount(configuration.idleConnectionTimeout)),
            proxy: nil,
            decompression: .disabled)
        // A refused or unreachable receiver fails the attempt now; WACore's retry policy decides when to try again
        // (retrying inside the attempt would hold a delivery loop for the whole timeout).
        client.connectionPool.retryConnectionEstablishment = false
        clients = WebhookClientCache(
            capacity: configuration.maximumIdleClients, eventLoopGroup: eventLoopGroup, configuration: client)
    }

    // MARK: WebhookSender

    public func send(_ request: WebhookHTTPRequest) async -> WebhookAttemptOutcome {
        let deadline = ContinuousClock.now.advanced(by: request.timeout)
        let outcome: WebhookAttemptOutcome
        do {
            outcome = try await attempt(request, deadline: deadline)
        } catch {
            outcome = WebhookAttemptFailure.outcome(for: error)
        }
        if !outcome.isSuccess {
            logger.debug(
                "webhook attempt failed",
                metadata: [
                    "url": "\(WebhookURL.redacted(request.url))", "delivery_id": "\(request.deliveryID)",
                    "attempt": "\(request.attempt)", "outcome": "\(outcome.summary)",
                ])
        }
        return outcome
    }

    // MARK: Lifecycle

    /// Runs until graceful shutdown (or cancellation), then shuts the clients down (``shutdown()``).
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes every connection and shuts the clients down. Attempts still running are cancelled (a connection
    /// failure), and every later ``send(_:)`` ends as `.connectionFailed("sender shut down")`. Call it once the
    /// delivery workers have stopped.
    public func shutdown() async {
        await clients.shutdown()
    }

    /// How many clients (one per host and checked address) are open: for tests.
    var openClients: Int {
        get async { await clients.count }
    }

    // MARK: The attempt

    private func attempt(_ request: WebhookHTTPRequest, deadline: ContinuousClock.Instant) async throws
        -> WebhookAttemptOutcome
    {
        // The URL was validated when the endpoint was saved and again by the delivery worker; parsing it here only
        // takes it apart. Which addresses may be reached is decided below, on the addresses themselves.
        let url: WebhookURL
        do {
            url = try WebhookURLPolicy.permissive.validate(request.url)
        } catch {
            throw WebhookAttemptFailure.invalidURL
        }
        let resolver = self.resolver
        let checked = try await WebhookAttemptDeadline.run(until: deadline) {
            try await Self.checkedAddresses(of: url, policy: request.targetPolicy, resolver: resolver)
        }
        guard let checked else { return .timeout }

        // The checked addresses in order: the next one only when a connection to this one could not be made (so
        // nothing was sent), as long as time is left.
        var index = 0
        while true {
            let key = WebhookClientCache.Key(host: url.host, address: checked[index].description)
            let client = try await clients.lease(key)
            let outcome: WebhookAttemptOutcome
            do {
                outcome = try await exchange(request, url: url, on: client, deadline: deadline)
            } catch {
                await clients.release(key)
                index += 1
                guard index < checked.count, WebhookAttemptFailure.isConnectionNotMade(error),
                    ContinuousClock.now < deadline
                else { throw error }
                continue
            }
            await clients.release(key)
            return outcome
        }
    }

    /// The addresses that may be connected to, in the resolver's order: the URL's IP literal, or every address its
    /// host resolves to, once all of them have passed `policy`.
    private static func checkedAddresses(
        of url: WebhookURL, policy: WebhookURLPolicy, resolver: any WebhookHostResolver
    ) async throws -> [IPAddress] {
        let addresses: [IPAddress]
        if let literal = url.address {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver.addresses(of: url.host)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw WebhookAttemptFailure.notResolved
            }
        }
        guard !addresses.isEmpty else { throw WebhookAttemptFailure.notResolved }
        guard addresses.allSatisfy({ !policy.isForbidden($0) }) else { throw WebhookAttemptFailure.forbiddenAddress }
        return addresses
    }

    /// Sends the request on `client` (which connects only to the checked address) and reads the response head and
    /// a bounded part of its body.
    private func exchange(
        _ request: WebhookHTTPRequest, url: WebhookURL, on client: HTTPClient, deadline: ContinuousClock.Instant
    ) async throws -> WebhookAttemptOutcome {
        let clientRequest = Self.clientRequest(request, url: url)
        let clientDeadline = NIODeadline.now() + Self.timeAmount(until: deadline)

        // Until the response head: AsyncHTTPClient's own deadline, and the race as a backstop.
        let head = try await WebhookAttemptDeadline.run(until: deadline) {
            try await client.execute(clientRequest, deadline: clientDeadline)
        }
        guard let head else { return .timeout }

        // In what is left of the time, a little of the body, so that a small response leaves the connection
        // reusable; the rest is dropped with the response (AsyncHTTPClient then closes the connection). The
        // status is the outcome whatever happens here.
        let limit = configuration.responseBodyLimit
        _ = try? await WebhookAttemptDeadline.run(until: deadline) {
            var read = 0
            for try await chunk in head.body {
                read += chunk.readableBytes
                if read >= limit { break }
            }
            return read
        }
        var headers: [HTTPHeaderField] = []
        for (name, value) in head.headers {
            headers.append(HTTPHeaderField(name: name, value: value))
        }
        return .response(statusCode: Int(head.status.code), headers: headers)
    }

    private static func clientRequest(_ request: WebhookHTTPRequest, url: WebhookURL) -> HTTPClientRequest {
        var clientRequest = HTTPClientRequest(url: url.description)
        clientRequest.method = .POST
        for field in request.headers {
            clientRequest.headers.add(name: field.name, value: field.value)
        }
        clientRequest.body = .bytes(ByteBuffer(bytes: request.body))
        return clientRequest
    }

    private static func timeAmount(until instant: ContinuousClock.Instant) -> TimeAmount {
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: instant).components
        guard seconds >= 0 else { return .zero }
        return .seconds(seconds) + .nanoseconds(attoseconds / 1_000_000_000)
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .seconds(seconds) + .nanoseconds(attoseconds / 1_000_000_000)
    }
}
