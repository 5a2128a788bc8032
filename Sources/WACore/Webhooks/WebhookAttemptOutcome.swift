import Foundation

/// What happened to one HTTP delivery attempt, as reported by the adapter that made it.
public enum WebhookAttemptOutcome: Sendable, Hashable, Codable {
    /// A response arrived (no redirect is ever followed: a 3xx is reported as such).
    /// `retryAfter` is the parsed `Retry-After` header, `abortRequested` whether the receiver answered
    /// `webhook-delivery: abort-message` (Svix convention: stop retrying this message).
    case response(statusCode: Int, retryAfter: RetryAfter? = nil, abortRequested: Bool = false)
    /// No complete response within the attempt's timeout (15–30 s).
    case timeout
    /// The connection could not be made or broke (DNS, refused, TLS, reset): a short, safe description.
    case connectionFailed(String)

    /// The outcome of a response with its headers: `Retry-After` and `webhook-delivery` are read from `headers`
    /// (names matched case-insensitively).
    public static func response(statusCode: Int, headers: [HTTPHeaderField]) -> WebhookAttemptOutcome {
        var retryAfter: RetryAfter?
        var abort = false
        for field in headers {
            switch field.name.lowercased() {
            case "retry-after": retryAfter = RetryAfter(headerValue: field.value)
            case "webhook-delivery":
                abort = field.value.trimmingCharacters(in: .whitespaces).lowercased() == "abort-message"
            default: break
            }
        }
        return .response(statusCode: statusCode, retryAfter: retryAfter, abortRequested: abort)
    }

    /// The HTTP status, if a response arrived.
    public var statusCode: Int? {
        if case .response(let statusCode, _, _) = self { return statusCode }
        return nil
    }

    /// Whether the attempt succeeded: a 2xx response. Everything else, 3xx included, is a failure.
    public var isSuccess: Bool {
        if let statusCode { return (200...299).contains(statusCode) }
        return false
    }

    /// A short, safe description for delivery logs (`HTTP 503`, `timeout`, `connection failed: refused`).
    public var summary: String {
        switch self {
        case .response(let statusCode, _, _): "HTTP \(statusCode)"
        case .timeout: "timeout"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        }
    }
}
