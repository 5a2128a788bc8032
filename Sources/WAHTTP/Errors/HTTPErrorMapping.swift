public import HTTPTypes
public import WACore

extension WAError.Kind {
    /// The HTTP status every error of this kind answers with: the one place where WACore's transport-neutral kinds
    /// meet HTTP.
    ///
    /// | kind | status |
    /// |---|---|
    /// | `invalid_input` | 422 (400 for `malformed_request`) |
    /// | `unauthenticated` | 401 |
    /// | `forbidden` | 403 |
    /// | `not_found` | 404 (405 for `method_not_allowed`) |
    /// | `unsupported_type` | 415 (406 for `not_acceptable`) |
    /// | `conflict` | 409 |
    /// | `too_large` | 413 |
    /// | `rate_limited` | 429 |
    /// | `unavailable` | 503 |
    /// | `internal` | 500 |
    public var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalidInput: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

extension WAError {
    /// The HTTP status this error answers with: its kind's (``WAError/Kind/httpStatus``), except for the three
    /// protocol codes whose status HTTP distinguishes within a kind (`malformed_request` → 400,
    /// `method_not_allowed` → 405, `not_acceptable` → 406), and `media_type_mismatch` → 415: a file whose content
    /// is not the type it was declared as is an unsupported media type for HTTP, like the other media type refusals.
    public var httpStatus: HTTPResponse.Status {
        switch code {
        case .malformedRequest: .badRequest
        case .methodNotAllowed: .methodNotAllowed
        case .notAcceptable: .notAcceptable
        case .mediaTypeMismatch: .unsupportedMediaType
        default: kind.httpStatus
        }
    }
}
