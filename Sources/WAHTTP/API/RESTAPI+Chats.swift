import WACore
import WAOpenAPI

extension RESTAPI {
    func listChats(_ input: Operations.ListChats.Input) async throws -> Operations.ListChats.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = Chat.Filter()
        filter.instanceID = try query.instanceId.map { try APIInput.id($0, field: "instance_id") }
        filter.contactID = try query.contactId.map { try APIInput.id($0, field: "contact_id") }
        filter.isArchived = query.archived
        let result = try await gateway.chats.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func getChat(_ input: Operations.GetChat.Input) async throws -> Operations.GetChat.Output {
        let principal = try RequestPrincipal.require()
        let id: ChatID = try APIInput.id(input.path.chatId, field: "chat_id")
        return .ok(.init(body: .json(.init(try await gateway.chats.get(id, by: principal)))))
    }

    func markChatSeen(_ input: Operations.MarkChatSeen.Input) async throws -> Operations.MarkChatSeen.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let chat = try JID(apiText: input.path.chat, field: "chat")
        let marked = try await gateway.chats.markSeen(chat, on: id, by: principal)
        return .ok(.init(body: .json(.init(marked: marked))))
    }

    func setChatPresence(_ input: Operations.SetChatPresence.Input) async throws -> Operations.SetChatPresence.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let chat = try JID(apiText: input.path.chat, field: "chat")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        try await gateway.chats.setPresence(body.presence.core, in: chat, on: id, by: principal)
        return .noContent(.init())
    }
}
