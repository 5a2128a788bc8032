import Foundation
import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
        let principal = try RequestPrincipal.require()
        let types: WebhookEventFilter
        if let list = input.query.types {
            let patterns = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            do {
                types = try WebhookEventFilter(patterns: patterns)
            } catch var error {
                error.field = "types"
                throw error
            }
        } else {
            types = .all
        }
        let instance: InstanceID? = try input.query.instanceId.map { try APIInput.id($0, field: "instance_id") }
        // The start is fixed now, so that nothing committed after the request is missed; a resumed stream's first
        // page is read now too, so that a pruned position answers 404 rather than an empty stream.
        let backlog: [LoggedEvent]
        let position: UInt64
        if let last = input.headers.lastEventID {
            guard let sequence = UInt64(last.trimmingCharacters(in: .whitespaces)) else {
                throw WAError.invalid("Last-Event-ID", "the last event id must be an event's sequence number")
            }
            let page = try await gateway.events.read(after: sequence, limit: 500, by: principal)
            (backlog, position) = (page.events, page.position)
        } else {
            (backlog, position) = ([], try await gateway.events.bounds(by: principal).last)
        }
        let frames = ServerSentEvents.stream(
            backlog: backlog, live: gateway.events.subscribe(from: .after(position), by: principal),
            settings: eventStream
        ) { logged in
            types.matches(logged.event.type) && (instance == nil || logged.event.instanceID == instance)
        }
        return .ok(.init(body: .textEventStream(HTTPBody(frames, length: .unknown, iterationBehavior: .single))))
    }
}
