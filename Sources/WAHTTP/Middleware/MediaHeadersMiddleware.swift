import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// The parts of a media request's head that the generated operation does not pass to its handler: the
/// `Content-Type` of an upload (the file's declared type; the document accepts any type there).
struct MediaRequestHead: Sendable {
    var contentType: String?

    @TaskLocal static var current: MediaRequestHead?
}

/// What a file download's handler (media content, exports) decides about the response head that the generated
/// operation cannot say as it is: the stored type of the file as `Content-Type` (the document declares `*/*`), and
/// `Content-Disposition` and `Content-Range` verbatim (the OpenAPI runtime percent-encodes header values:
/// `bytes%200-9%2F390`).
final class MediaResponseHead: Sendable {
    private let fields = Mutex(HTTPFields())

    /// Sets a field of the response, replacing what the generated code wrote.
    func set(_ name: HTTPField.Name, _ value: String) {
        fields.withLock { $0[name] = value }
    }

    var headerFields: HTTPFields { fields.withLock { $0 } }

    @TaskLocal static var current: MediaResponseHead?
}

/// Binds ``MediaRequestHead`` around `uploadMedia` and ``MediaResponseHead`` around the file downloads
/// (`getMediaContent` and the exports), and puts the download's head fields into its response with
/// `X-Content-Type-Options: nosniff` (browsers must not second-guess the type).
struct MediaHeadersMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @concurrent @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        switch operationID {
        case "uploadMedia":
            return try await MediaRequestHead.$current.withValue(.init(contentType: request.headerFields[.contentType])) {
                try await next(request, body, metadata)
            }
        case "getMediaContent", "exportMessages", "exportContacts", "exportAuditEvents":
            let head = MediaResponseHead()
            let (answer, responseBody) = try await MediaResponseHead.$current.withValue(head) {
                try await next(request, body, metadata)
            }
            var response = answer
            for field in head.headerFields { response.headerFields[field.name] = field.value }
            response.headerFields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return (response, responseBody)
        default:
            return try await next(request, body, metadata)
        }
    }
}
