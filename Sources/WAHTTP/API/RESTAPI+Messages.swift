import WACore
import WAOpenAPI

extension RESTAPI {
    func sendMessage(_ input: Operations.SendMessage.Input) async throws -> Operations.SendMessage.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let request = try body.core(idempotencyKey: input.headers.idempotencyKey)
        let message = try await gateway.messaging.send(request, by: principal)
        return .accepted(.init(body: .json(.init(message))))
    }

    func listMessages(_ input: Operations.ListMessages.Input) async throws -> Operations.ListMessages.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let filter = try Message.Filter.api(
            instanceID: query.instanceId, chat: query.chat, contactID: query.contactId, direction: query.direction,
            status: query.status, since: query.since, until: query.until, search: query.search)
        let result = try await gateway.messaging.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func getMessage(_ input: Operations.GetMessage.Input) async throws -> Operations.GetMessage.Output {
        let principal = try RequestPrincipal.require()
        let id: MessageID = try APIInput.id(input.path.messageId, field: "message_id")
        return .ok(.init(body: .json(.init(try await gateway.messaging.get(id, by: principal)))))
    }

    func reactToMessage(_ input: Operations.ReactToMessage.Input) async throws -> Operations.ReactToMessage.Output {
        let principal = try RequestPrincipal.require()
        let id: MessageID = try APIInput.id(input.path.messageId, field: "message_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let message = try await gateway.messageActions.react(to: id, with: body.emoji, by: principal)
        return .ok(.init(body: .json(.init(message))))
    }

    func revokeMessage(_ input: Operations.RevokeMessage.Input) async throws -> Operations.RevokeMessage.Output {
        let principal = try RequestPrincipal.require()
        let id: MessageID = try APIInput.id(input.path.messageId, field: "message_id")
        return .ok(.init(body: .json(.init(try await gateway.messageActions.revoke(id, by: principal)))))
    }

    func editMessage(_ input: Operations.EditMessage.Input) async throws -> Operations.EditMessage.Output {
        let principal = try RequestPrincipal.require()
        let id: MessageID = try APIInput.id(input.path.messageId, field: "message_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let message = try await gateway.messageActions.edit(id, text: body.text, by: principal)
        return .ok(.init(body: .json(.init(message))))
    }
}
