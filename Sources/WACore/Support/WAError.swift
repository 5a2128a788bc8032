/// The one error type WACore and its adapters hand to callers.
///
/// A `WAError` carries a stable machine-readable ``code`` from the error catalogue (``Code``, documented in
/// `Docs/Errors.md`; what an API client switches on), a ``message`` that is safe to show to that client (it never
/// contains secrets, SQL, stack traces or adapter error text), when the problem is one input the ``field`` it
/// concerns, and, when a wait is known, ``retryAfter``.
///
/// ```swift
/// do { _ = try PhoneNumber("12ab", defaultRegion: "DE") }
/// catch let error as WAError where error.code == .invalidPhoneNumber { print(error.field ?? "-") }
/// ```
public struct WAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable machine-readable code.
    public var code: Code
    /// A human-readable message that is safe to return to an API client.
    public var message: String
    /// The input field the error concerns (`"phone"`, `"members[2].email"`), when there is one.
    public var field: String?
    /// How long to wait before the same request may pass, when that is known (rate limits, quotas, a paused
    /// instance). For a ``Kind/rateLimited`` error, `nil` means the request can never pass as it is.
    public var retryAfter: Duration?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// The transport-neutral kind of the failure (the code's ``Code/kind``).
    public var kind: Kind { code.kind }

    /// ``retryAfter`` in whole seconds, rounded up (a client that waits that long is not refused again) and never
    /// negative: the form an HTTP `Retry-After` header takes.
    public var retryAfterSeconds: Int64? { retryAfter?.rateLimitWholeSecondsRoundedUp }

    /// Whether the same request may succeed later: the code is retryable (``Code/isRetryable``), and a rate-limited
    /// error also needs a ``retryAfter`` (without one the request is larger than the limit and never passes).
    public var isRetryable: Bool {
        guard code.isRetryable else { return false }
        return code.kind != .rateLimited || retryAfter != nil
    }

    public var description: String {
        if let field { return "\(code.rawValue): \(message) (field: \(field))" }
        return "\(code.rawValue): \(message)"
    }
}

extension WAError {
    /// Shorthand for ``Code-swift.enum/notFound`` with a message naming the kind of thing that was missing.
    public static func notFound(_ what: String, field: String? = nil) -> WAError {
        WAError(.notFound, "\(what) not found", field: field)
    }

    /// Shorthand for ``Code-swift.enum/invalidArgument``.
    public static func invalid(_ field: String, _ message: String) -> WAError {
        WAError(.invalidArgument, message, field: field)
    }
}
