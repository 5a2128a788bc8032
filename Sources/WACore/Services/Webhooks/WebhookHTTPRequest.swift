/// One webhook delivery attempt as an HTTP request, ready for a ``WebhookSender``: `POST` ``body`` to ``url``
/// with ``headers``.
///
/// WACore has decided everything here: the body is the stored payload byte for byte, the headers carry the
/// signature for this attempt (`webhook-id`, `webhook-timestamp`, `webhook-signature`, optionally
/// `X-Hub-Signature-256`) and `content-type: application/json`. The sender adds nothing that changes the body.
///
/// ``description`` and reflection output show the URL redacted (``WebhookURL/redacted(_:)``), so logging a request
/// does not log a token in its query.
public struct WebhookHTTPRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The HTTP method; always `POST`.
    public static let method = "POST"

    /// The target URL, already validated and normalized by ``WebhookURLPolicy``.
    public var url: String
    /// The request headers, in order.
    public var headers: [HTTPHeaderField]
    /// The exact bytes to send (and that were signed).
    public var body: [UInt8]
    /// How long the whole attempt (connect, TLS, request, response head) may take before it counts as
    /// ``WebhookAttemptOutcome/timeout``.
    public var timeout: Duration
    /// The rules the sender must apply to every resolved address of the URL's host before connecting
    /// (``WebhookURLPolicy/isForbidden(address:)``).
    public var targetPolicy: WebhookURLPolicy
    /// The delivery this attempt belongs to (for logs and metrics).
    public var deliveryID: DeliveryID
    /// The endpoint the request goes to.
    public var endpointID: WebhookEndpointID
    /// The 1-based attempt number within the current run of the delivery.
    public var attempt: Int

    public init(
        url: String, headers: [HTTPHeaderField], body: [UInt8], timeout: Duration, targetPolicy: WebhookURLPolicy,
        deliveryID: DeliveryID, endpointID: WebhookEndpointID, attempt: Int
    ) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.targetPolicy = targetPolicy
        self.deliveryID = deliveryID
        self.endpointID = endpointID
        self.attempt = attempt
    }

    public var description: String {
        "WebhookHTTPRequest(\(Self.method) \(WebhookURL.redacted(url)), delivery \(deliveryID), attempt \(attempt))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "url": WebhookURL.redacted(url), "headers": headers, "body": "\(body.count) bytes", "timeout": timeout,
                "deliveryID": deliveryID, "endpointID": endpointID, "attempt": attempt,
            ])
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}
