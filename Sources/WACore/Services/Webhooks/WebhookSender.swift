/// Sends one webhook HTTP request and reports what happened. The HTTP adapter implements it with a real client;
/// `RecordingWebhookSender` (in WACoreTesting) is the in-memory implementation for tests.
///
/// Implementations must:
/// - resolve the URL's host and check **every** resolved address with
///   ``WebhookHTTPRequest/targetPolicy``'s ``WebhookURLPolicy/isForbidden(address:)`` right before connecting,
///   then connect to the address that was checked (no second lookup: that is how DNS rebinding gets around the
///   check); a refused address is reported as `.connectionFailed("forbidden address")`;
/// - never follow redirects (a 3xx is reported as a response), use no proxy from the environment, send no cookies;
/// - verify TLS certificates;
/// - give up after ``WebhookHTTPRequest/timeout`` and report ``WebhookAttemptOutcome/timeout``;
/// - read at most a small part of the response body (it is not used) and report the status with the
///   `Retry-After` and `webhook-delivery` headers (``WebhookAttemptOutcome/response(statusCode:headers:)``);
/// - describe transport failures in a few safe words (no addresses, no stack traces).
///
/// `send` does not throw: every failure is an outcome.
public protocol WebhookSender: Sendable {
    /// Makes the attempt and returns its outcome.
    func send(_ request: WebhookHTTPRequest) async -> WebhookAttemptOutcome
}
