/// The one error type WACore and its adapters hand to callers.
///
/// A `WAError` carries a stable machine-readable ``code`` (what an API client switches on), a ``message`` that is
/// safe to show to that client (it never contains secrets, SQL, stack traces or adapter error text) and, when the
/// problem is one input, the ``field`` it concerns.
///
/// ```swift
/// do { _ = try PhoneNumber("12ab", defaultRegion: "DE") }
/// catch let error as WAError where error.code == .invalidPhoneNumber { print(error.field ?? "-") }
/// ```
public struct WAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error code such as `invalid_phone_number`.
    ///
    /// Codes are open for extension (adapters and users may define their own with ``init(_:)``); the ones WACore
    /// raises are the static members.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
        ExpressibleByStringLiteral
    {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        // Input validation
        public static let invalidArgument: Code = "invalid_argument"
        public static let invalidPhoneNumber: Code = "invalid_phone_number"
        public static let invalidJID: Code = "invalid_jid"
        public static let invalidIdentifier: Code = "invalid_identifier"
        public static let weakPassword: Code = "weak_password"

        // Authentication and authorisation
        public static let unauthenticated: Code = "unauthenticated"
        public static let invalidCredentials: Code = "invalid_credentials"
        public static let malformedAPIKey: Code = "malformed_api_key"
        public static let apiKeyExpired: Code = "api_key_expired"
        public static let apiKeyRevoked: Code = "api_key_revoked"
        public static let permissionDenied: Code = "permission_denied"
        public static let scopeExceedsCreator: Code = "scope_exceeds_creator"

        // Storage
        public static let notFound: Code = "not_found"
        public static let alreadyExists: Code = "already_exists"
        public static let versionConflict: Code = "version_conflict"
        public static let tenantMismatch: Code = "tenant_mismatch"
        public static let invalidCursor: Code = "invalid_cursor"
        public static let transactionMisuse: Code = "transaction_misuse"
        public static let immutableRecord: Code = "immutable_record"

        // Cryptography
        public static let decryptionFailed: Code = "decryption_failed"
        public static let unknownKey: Code = "unknown_key"

        /// Something failed that the caller cannot fix; details went to the log, never to the client.
        public static let internalError: Code = "internal_error"
    }

    /// The stable machine-readable code.
    public var code: Code
    /// A human-readable message that is safe to return to an API client.
    public var message: String
    /// The input field the error concerns (`"phone"`, `"members[2].email"`), when there is one.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        if let field { return "\(code.rawValue): \(message) (field: \(field))" }
        return "\(code.rawValue): \(message)"
    }
}

extension WAError {
    /// Shorthand for ``Code-swift.struct/notFound`` with a message naming the kind of thing that was missing.
    public static func notFound(_ what: String, field: String? = nil) -> WAError {
        WAError(.notFound, "\(what) not found", field: field)
    }

    /// Shorthand for ``Code-swift.struct/invalidArgument``.
    public static func invalid(_ field: String, _ message: String) -> WAError {
        WAError(.invalidArgument, message, field: field)
    }
}
