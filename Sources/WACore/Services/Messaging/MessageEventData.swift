/// The `data` of `message.*` webhook events.
enum MessageEventData {
    static func json(_ m: Message) -> JSONValue {
        var object: JSONObject = [
            "id": .identifier(m.id),
            "instance_id": .identifier(m.instanceID),
            "chat": .string(m.chatJID.description),
            "direction": .string(m.direction.rawValue),
            "kind": .string(m.kind.rawValue),
            "status": .string(m.status.rawValue),
            "created_at": .timestamp(m.createdAt),
        ]
        if let body = m.body { object["body"] = .string(body) }
        if let whatsappID = m.whatsappID { object["whatsapp_id"] = .string(whatsappID) }
        if let contactID = m.contactID { object["contact_id"] = .identifier(contactID) }
        if let author = m.author { object["author"] = .string(author.description) }
        if let key = m.idempotencyKey { object["idempotency_key"] = .string(key) }
        if let campaignID = m.campaignID { object["campaign_id"] = .identifier(campaignID) }
        if let media = m.media {
            object["media"] = ["id": .identifier(media.mediaID), "mime_type": .string(media.mimeType)]
        }
        if let download = m.mediaDownload {
            var pending: JSONObject = ["kind": .string(download.media.kind.rawValue), "mime_type": .string(download.media.mimeType)]
            if let name = download.media.fileName { pending["file_name"] = .string(name) }
            if let size = download.media.byteCount { pending["byte_count"] = .integer(size) }
            if let failure = download.failure { pending["failure"] = .string(failure) }
            object["media_download"] = .object(pending)
        }
        if let revokedAt = m.revokedAt { object["revoked_at"] = .timestamp(revokedAt) }
        if let editedAt = m.editedAt { object["edited_at"] = .timestamp(editedAt) }
        if let scheduledAt = m.scheduledAt { object["scheduled_at"] = .timestamp(scheduledAt) }
        if !m.reactions.isEmpty { object["reactions"] = .array(m.reactions.map(json)) }
        if let error = m.error {
            object["error"] = ["code": .string(error.code), "message": .string(error.message)]
        }
        return .object(object)
    }

    /// The `data` of `message.reaction`: the message, and under `reaction` the one that changed (its `emoji` empty
    /// when it was taken off).
    static func json(_ m: Message, reaction: Message.Reaction) -> JSONValue {
        guard case .object(var object) = json(m) else { return json(m) }
        object["reaction"] = json(reaction)
        return .object(object)
    }

    static func json(_ reaction: Message.Reaction) -> JSONValue {
        [
            "sender": .string(reaction.sender.description), "from_me": .bool(reaction.fromMe),
            "emoji": .string(reaction.emoji), "reacted_at": .timestamp(reaction.reactedAt),
        ]
    }
}
