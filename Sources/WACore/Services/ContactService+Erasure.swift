extension ContactService {
    /// How many messages one transaction of an erasure deletes.
    public static let erasureBatchSize = 200

    /// Erases a contact and what the organization holds about them, on request (a data-protection erasure): their
    /// messages on every instance, the media they sent (metadata and bytes, given back to the quota), their chats,
    /// then the contact itself. The audit log keeps one `contact.erased` event with the counts and no personal
    /// data; earlier audit events are append-only and name the contact only by its id.
    ///
    /// It runs in batches of ``erasureBatchSize`` messages, each a transaction of its own, and the contact goes
    /// last: an erasure that was interrupted is finished by calling it again. Needs `contacts:erase` (admins);
    /// `not_found` for another organization's contact.
    @discardableResult
    public func erase(_ id: ContactID, by principal: Principal) async throws -> ContactErasure {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsErase, on: .organization(org))
        var erased = ContactErasure()
        var removedMedia: [MediaObjectID] = []

        // Messages: those that name the contact, then whatever else is in their chats (a 1:1 chat is theirs).
        let chats = try await env.transaction(by: principal) { tx in
            _ = try await tx.contacts.get(id, in: org)
            var chats: [Chat] = []
            try await tx.chats.forEachPage(in: org, where: Chat.Filter(contactID: id)) { chats += $0 }
            return chats
        }
        var filters = [Message.Filter(contactID: id)]
        filters += chats.map { Message.Filter(instanceID: $0.instanceID, chatJID: $0.jid) }
        for filter in filters {
            while true {
                let (count, media) = try await env.transaction(by: principal, retryingConflicts: 3) { tx in
                    try await eraseMessages(where: filter, in: tx, org)
                }
                erased.messages += count
                erased.media += media.count
                removedMedia += media
                if count < Self.erasureBatchSize { break }
            }
        }
        try await env.transaction(by: principal) { tx in
            for chat in chats { try await tx.chats.deleteIfPresent(chat.id, in: org) }
            try await tx.contacts.delete(id, in: org)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "contact.erased", by: principal.auditActor, in: org, resourceType: "contact",
                    resourceID: id.description,
                    metadata: [
                        "messages": String(erased.messages), "media": String(erased.media), "chats": String(chats.count),
                    ]))
        }
        erased.chats = chats.count
        await MediaService.removeBytes(of: removedMedia, in: org, env)
        return erased
    }

    /// Deletes one batch of messages matching `filter`, and the media of the inbound ones; returns how many
    /// messages it deleted and which media.
    private func eraseMessages(where filter: Message.Filter, in tx: any StoreTransaction, _ org: OrganizationID)
        async throws -> (Int, [MediaObjectID])
    {
        let page = try await tx.messages.list(
            in: org, where: filter, page: try PageRequest(limit: Self.erasureBatchSize, order: .oldestFirst))
        var media: [MediaObject] = []
        for message in page.items {
            try await tx.messages.delete(message.id, in: org)
            if message.direction == .inbound, let reference = message.media,
                let object = try await tx.mediaObjects.find(reference.mediaID, in: org)
            {
                media.append(object)
            }
        }
        try await MediaService.deleteRecords(media, in: org, tx)
        return (page.items.count, media.map(\.id))
    }
}
