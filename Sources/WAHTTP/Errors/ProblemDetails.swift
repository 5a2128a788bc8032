import Foundation
public import HTTPTypes
public import Hummingbird
public import WACore

/// An error as the API answers it: RFC 9457 problem details (`application/problem+json`) carrying WACore's stable
/// error code, the offending field, the retry-after and the request id.
///
/// ```json
/// {"type":"about:blank","title":"Unprocessable Content","status":422,"code":"invalid_argument",
///  "detail":"name must be 1–63 characters","field":"name","request_id":"3f9c…"}
/// ```
///
/// The `detail` is always ``WAError/message``, which WACore keeps safe to show (no SQL, no adapter text, no
/// secrets); everything else a failure knows stays in the server's log.
public struct ProblemDetails: Sendable, Hashable, Encodable {
    /// Always `about:blank`: ``code`` is what a client switches on.
    public var type: String = "about:blank"
    /// The status's reason phrase.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// The error catalogue's code (`Docs/Errors.md`).
    public var code: String
    /// What went wrong, safe to show.
    public var detail: String
    /// The input field concerned, if any.
    public var field: String?
    /// Whole seconds to wait before retrying, if known (rounded up).
    public var retryAfter: Int?
    /// The request's id, as in `X-Request-Id` and the logs.
    public var requestID: String

    /// The problem details of `error` for the request `requestID`.
    public init(_ error: WAError, requestID: String) {
        let status = error.httpStatus
        self.title = status.reasonPhrase
        self.status = status.code
        self.code = error.code.rawValue
        self.detail = error.message
        self.field = error.field
        self.retryAfter = error.retryAfterSeconds.map { Int($0) }
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case type, title, status, code, detail, field
        case retryAfter = "retry_after"
        case requestID = "request_id"
    }

    /// The response for `error`: the status, `content-type: application/problem+json`, `Retry-After` when a wait
    /// is known, `WWW-Authenticate` on 401 and `Allow` on 405 (`allowedMethods`).
    public static func response(
        for error: WAError, requestID: String, allowedMethods: [HTTPRequest.Method] = []
    ) -> Response {
        let problem = ProblemDetails(error, requestID: requestID)
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if let seconds = problem.retryAfter { headers[.retryAfter] = String(seconds) }
        if error.httpStatus == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="wa-gateway""# }
        if error.httpStatus == .methodNotAllowed, !allowedMethods.isEmpty {
            headers[.allow] = allowedMethods.map(\.rawValue).joined(separator: ", ")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        let body = (try? encoder.encode(problem)) ?? Data(#"{"code":"internal_error"}"#.utf8)
        return Response(status: error.httpStatus, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
