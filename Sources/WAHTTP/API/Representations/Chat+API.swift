import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Chat {
    init(_ chat: WACore.Chat) {
        self.init(
            id: chat.id.description, instanceId: chat.instanceID.description, jid: chat.jid.description,
            name: chat.name, contactId: chat.contactID?.description, unreadCount: chat.unreadCount,
            archived: chat.isArchived, lastMessageAt: chat.lastMessageAt, createdAt: chat.createdAt,
            updatedAt: chat.updatedAt)
    }
}

extension Components.Schemas.ChatPresenceRequest.PresencePayload {
    var core: ChatPresence {
        switch self {
        case .typing: .typing
        case .recording: .recording
        case .paused: .paused
        }
    }
}
