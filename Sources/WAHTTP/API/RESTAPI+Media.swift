import Foundation
import HTTPTypes
import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func uploadMedia(_ input: Operations.UploadMedia.Input) async throws -> Operations.UploadMedia.Output {
        let principal = try RequestPrincipal.require()
        guard case .any(let body) = input.body else { throw APIInput.unsupportedBody }
        guard case .known(let length) = body.length else {
            throw WAError.invalid("Content-Length", "an upload needs a Content-Length header")
        }
        let kind = try input.query.kind.map { kind in
            guard let core = WACore.Message.Kind(rawValue: kind.rawValue) else {
                throw WAError.invalid("kind", "\(kind.rawValue) is not a message kind")
            }
            return core
        }
        // Streamed straight from the connection to the media store: never the whole file in memory.
        let object = try await gateway.media.upload(
            chunks: body.map { Array($0) }, byteCount: length, declaredMIMEType: MediaRequestHead.current?.contentType,
            kind: kind, fileName: input.query.fileName, by: principal)
        return .created(.init(body: .json(.init(object))))
    }

    func listMedia(_ input: Operations.ListMedia.Input) async throws -> Operations.ListMedia.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.media.list(by: principal, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func getMediaUsage(_ input: Operations.GetMediaUsage.Input) async throws -> Operations.GetMediaUsage.Output {
        let principal = try RequestPrincipal.require()
        return .ok(.init(body: .json(.init(try await gateway.media.usage(by: principal)))))
    }

    func getMedia(_ input: Operations.GetMedia.Input) async throws -> Operations.GetMedia.Output {
        let principal = try RequestPrincipal.require()
        let id: MediaObjectID = try APIInput.id(input.path.mediaId, field: "media_id")
        return .ok(.init(body: .json(.init(try await gateway.media.get(id, by: principal)))))
    }

    func deleteMedia(_ input: Operations.DeleteMedia.Input) async throws -> Operations.DeleteMedia.Output {
        let principal = try RequestPrincipal.require()
        let id: MediaObjectID = try APIInput.id(input.path.mediaId, field: "media_id")
        try await gateway.media.delete(id, by: principal)
        return .noContent(.init())
    }

    func getMediaContent(_ input: Operations.GetMediaContent.Input) async throws -> Operations.GetMediaContent.Output {
        let principal = try RequestPrincipal.require()
        let id: MediaObjectID = try APIInput.id(input.path.mediaId, field: "media_id")
        let requested = MediaByteRange(header: input.headers.range)
        let content: (MediaObject, MediaByteStream)
        do {
            content = try await gateway.media.content(of: id, by: principal) { object in
                guard let requested else { return nil }
                guard let range = requested.resolved(size: object.byteCount) else {
                    throw UnsatisfiableRange(size: object.byteCount)
                }
                return range
            }
        } catch let unsatisfiable as UnsatisfiableRange {
            let error = WAError.invalid("Range", "the range starts past the end of the file (\(unsatisfiable.size) bytes)")
            MediaResponseHead.current?.set(.contentRange, "bytes */\(unsatisfiable.size)")
            return .rangeNotSatisfiable(
                .init(
                    headers: .init(contentRange: "bytes */\(unsatisfiable.size)"),
                    body: .applicationProblemJson(
                        .init(
                            _type: "about:blank", title: "Range Not Satisfiable", status: 416, code: .invalidArgument,
                            detail: error.message, field: error.field, requestId: RequestInfo.current?.requestID ?? ""
                        ))))
        }
        let (object, chunks) = content
        let disposition = MediaHeaders.contentDisposition(fileName: object.fileName)
        let served = requested?.resolved(size: object.byteCount) ?? 0..<object.byteCount
        let contentRange = "bytes \(served.lowerBound)-\(served.upperBound - 1)/\(object.byteCount)"
        // The generated code percent-encodes header values; the media middleware writes these verbatim.
        let head = MediaResponseHead.current
        head?.set(.contentType, object.mimeType)
        head?.set(.contentDisposition, disposition)
        if requested != nil { head?.set(.contentRange, contentRange) }
        let body = HTTPBody(
            chunks.map { ArraySlice($0) }, length: .known(served.upperBound - served.lowerBound),
            iterationBehavior: .single)
        if requested == nil {
            return .ok(.init(headers: .init(acceptRanges: "bytes", contentDisposition: disposition), body: .any(body)))
        }
        return .partialContent(
            .init(
                headers: .init(
                    acceptRanges: "bytes", contentDisposition: disposition,
                    contentRange: contentRange),
                body: .any(body)))
    }
}
