import Foundation
import HTTPTypes
import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func exportMessages(_ input: Operations.ExportMessages.Input) async throws -> Operations.ExportMessages.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let filter = try Message.Filter.api(
            instanceID: query.instanceId, chat: query.chat, contactID: query.contactId, campaignID: query.campaignId,
            direction: query.direction, status: query.status, since: query.since, until: query.until,
            search: query.search)
        let format = ExportFormat(query.format)
        let chunks = try await gateway.analytics.exportMessages(format: format, filter: filter, by: principal)
        return .ok(exportResponse(chunks, format: format, name: "messages"))
    }

    func exportContacts(_ input: Operations.ExportContacts.Input) async throws -> Operations.ExportContacts.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let filter = Contact.Filter(tag: query.tag?.lowercased(), optedOut: query.optedOut, search: query.search)
        let format = ExportFormat(query.format)
        let chunks = try await gateway.analytics.exportContacts(format: format, filter: filter, by: principal)
        return .ok(exportResponse(chunks, format: format, name: "contacts"))
    }

    func exportAuditEvents(_ input: Operations.ExportAuditEvents.Input) async throws
        -> Operations.ExportAuditEvents.Output
    {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let filter = try AuditEvent.Filter.api(
            action: query.action, actor: query.actor, resourceID: query.resourceId, since: query.since,
            until: query.until)
        let format = ExportFormat(query.format)
        let chunks = try await gateway.audit.export(format: format, filter: filter, by: principal)
        return .ok(exportResponse(chunks, format: format, name: "audit"))
    }

    /// The streamed body of an export, with its file name (`messages-20261207T101500Z.csv`) as an attachment. The
    /// stream reads the store only as the client takes the chunks.
    private func exportResponse(
        _ chunks: AsyncThrowingStream<[UInt8], any Error>, format: ExportFormat, name: String
    ) -> Components.Responses.Export {
        // The format style writes UTC; without a time zone field it leaves the `Z` out.
        let style = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false)
        let stamp = gateway.environment.clock.now().formatted(style)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + "Z"
        let disposition = MediaHeaders.contentDisposition(fileName: "\(name)-\(stamp).\(format.fileExtension)")
        // The generated code percent-encodes header values and drops the charset; the file-response middleware writes
        // these verbatim.
        MediaResponseHead.current?.set(.contentDisposition, disposition)
        MediaResponseHead.current?.set(.contentType, format.mediaType)
        let body = HTTPBody(chunks.map { ArraySlice($0) }, length: .unknown, iterationBehavior: .single)
        switch format {
        case .csv: return .init(headers: .init(contentDisposition: disposition), body: .csv(body))
        case .jsonLines: return .init(headers: .init(contentDisposition: disposition), body: .applicationXNdjson(body))
        }
    }
}

extension ExportFormat {
    /// The format a `format` query parameter names (CSV when absent).
    init(_ parameter: Components.Parameters.ExportFormat?) {
        switch parameter {
        case nil, .csv: self = .csv
        case .jsonl: self = .jsonLines
        }
    }
}
