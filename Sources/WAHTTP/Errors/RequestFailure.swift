import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import WACore

/// What a failed request turns into: the `WAError` to answer with, and whether the failure is the server's fault
/// (then it is logged with everything known, and the client sees only `internal_error`).
struct RequestFailure {
    var error: WAError
    var isServerFault: Bool

    init(error: WAError, isServerFault: Bool) {
        self.error = error
        self.isServerFault = isServerFault
    }

    /// Translates anything a handler, a middleware or the framework threw.
    ///
    /// - `WAError`: as it is (WACore keeps its message safe).
    /// - The OpenAPI runtime's `ServerError`: its underlying `WAError` when a handler or middleware threw one;
    ///   otherwise the runtime could not read the request (wrong content type, a body or parameter that does not
    ///   decode), told apart by the status the runtime chose.
    /// - Hummingbird's `HTTPError`: no route (404, or 405 when another method exists), a body over a limit (413).
    /// - Anything else: an internal error.
    init(_ thrown: any Error) {
        switch thrown {
        case let error as WAError:
            self.init(error: error, isServerFault: error.kind == .internal)
        case let error as ServerError:
            if let underlying = error.underlyingError as? WAError {
                self.init(underlying)
            } else {
                self.init(status: error.httpStatus, thrown: thrown)
            }
        case let error as HTTPError:
            self.init(status: error.status, thrown: thrown)
        default:
            self.init(error: WAError(.internalError, "the request failed on the server"), isServerFault: true)
        }
    }

    private init(status: HTTPResponse.Status, thrown: any Error) {
        switch status.code {
        case 400, 422:
            self.init(error: WAError(.malformedRequest, Self.malformedMessage(thrown)), isServerFault: false)
        case 404:
            self.init(error: WAError(.routeNotFound, "no operation exists at this path"), isServerFault: false)
        case 405:
            self.init(error: WAError(.methodNotAllowed, "this path does not support the method"), isServerFault: false)
        case 406:
            self.init(
                error: WAError(.notAcceptable, "the operation cannot answer in a content type the request accepts"),
                isServerFault: false)
        case 413:
            self.init(error: WAError(.requestTooLarge, "the request body is too large"), isServerFault: false)
        case 415:
            self.init(
                error: WAError(.unsupportedContentType, "the operation does not accept this content type"),
                isServerFault: false)
        default:
            self.init(error: WAError(.internalError, "the request failed on the server"), isServerFault: true)
        }
    }

    /// A safe description of why the runtime could not read the request: which parameter or body, never the
    /// decoder's own text (it can quote the input).
    private static func malformedMessage(_ thrown: any Error) -> String {
        guard let error = thrown as? ServerError else { return "the request could not be read" }
        if error.underlyingError is DecodingError {
            return "the request body is not valid JSON of the documented shape"
        }
        let cause = error.causeDescription
        for (marker, what) in [
            ("Missing required query parameter", "a required query parameter is missing"),
            ("Missing required header field", "a required header is missing"),
            ("Missing required request body", "the request body is missing"),
            ("Failed to decode", "a parameter does not have the documented type"),
        ] where cause.contains(marker) {
            return what
        }
        return "the request could not be read"
    }
}
