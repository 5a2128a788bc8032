import Foundation

/// What an inbound opt-out or opt-in keyword did (see ``InboundOptOut``).
struct InboundOptOutOutcome: Sendable {
    enum Kind: Sendable {
        /// The contact was opted out now.
        case optedOut
        /// An opt-out keyword from a contact who already was opted out: nothing changed, nothing is sent.
        case alreadyOptedOut
        /// The contact was opted back in now.
        case optedIn
    }

    var kind: Kind
    /// The keyword that matched, as configured.
    var keyword: String
    /// The contact after the change.
    var contact: Contact
    /// The confirmation queued for the contact, if the settings have one and something changed.
    var confirmation: Message?
}

/// Opting out (and back in) by replying with a keyword: the part of storing an inbound message that reads it as a
/// request, inside the message's own transaction.
///
/// Only inbound text messages in one-to-one chats are read. The settings are the instance's (``Instance/optOut``) or
/// else its organization's, read in the transaction. An opt-out keyword opts the contact out (source
/// ``OptOutSource/keyword``), queues the confirmation, writes the audit event `contact.opted_out` and publishes
/// `contact.opted_out`; from a contact who already is opted out it changes nothing and sends nothing. An opt-in
/// keyword from a contact who is opted out opts them back in the same way (`contact.opted_in`); from anyone else it
/// is an ordinary message. Because it runs in the transaction that stores the message, and a message delivered twice
/// is stored once, a redelivered keyword is acted on once.
enum InboundOptOut {
    /// The idempotency-key prefix of confirmations: `opt_out:<inbound message id>` and `opt_in:<inbound message id>`.
    static let optOutKeyPrefix = "opt_out:"
    static let optInKeyPrefix = "opt_in:"

    static func apply(
        to message: Message, from contact: Contact, on instance: Instance, in tx: any StoreTransaction,
        _ env: ServiceEnvironment, webhooks: (any WebhookPublisher)?, now: Date
    ) async throws -> InboundOptOutOutcome? {
        // Cheap checks first: most messages are sentences, which are never keywords (and read no settings).
        guard message.direction == .inbound, message.kind == .text, message.chatJID.isUser,
            let body = message.body, OptOutKeyword.candidate(body) != nil
        else { return nil }
        let org = message.organizationID
        let organization = try await tx.organizations.get(org, in: org)
        let current = try await tx.instances.find(instance.id, in: org) ?? instance
        let settings = current.effectiveOptOut(in: organization)
        guard let match = settings.match(body) else { return nil }

        var changed = contact
        let kind: InboundOptOutOutcome.Kind
        let keyword: String
        switch match {
        case .optOut(let matched):
            guard changed.optOut(.keyword, at: now) else {
                return InboundOptOutOutcome(kind: .alreadyOptedOut, keyword: matched, contact: contact)
            }
            kind = .optedOut
            keyword = matched
        case .optIn(let matched):
            guard changed.optIn() else { return nil }  // not opted out: an ordinary message
            kind = .optedIn
            keyword = matched
        }
        let text = kind == .optedOut ? settings.confirmation : settings.optInConfirmation
        let key = (kind == .optedOut ? optOutKeyPrefix : optInKeyPrefix) + message.id.description
        changed.updatedAt = now
        let stored = try await tx.contacts.update(changed)

        var confirmation: Message?
        if let text {
            if let earlier = try await tx.messages.find(idempotencyKey: key, instance: message.instanceID, in: org) {
                confirmation = earlier
            } else {
                // Queued as any send is, but without `send`'s opt-out refusal: this one message must reach the
                // contact who has just opted out. Nor does it wait for the daily quota check; the dispatcher still
                // paces and counts it like every other message.
                var reply = Message(
                    id: env.ids.make(), organizationID: org, instanceID: message.instanceID, chatJID: message.chatJID,
                    contactID: stored.id, direction: .outbound, kind: .text, body: text, status: .queued,
                    idempotencyKey: key, createdAt: now)
                reply.timestamps.queuedAt = now
                confirmation = try await MessagingService.enqueue(
                    reply, by: .system, metadata: ["reason": kind == .optedOut ? "opt_out_confirmation" : "opt_in_confirmation"],
                    in: tx, env, webhooks: webhooks, now: now)
            }
        }

        let action = kind == .optedOut ? "contact.opted_out" : "contact.opted_in"
        var metadata = [
            "source": OptOutSource.keyword.rawValue, "keyword": keyword, "instance": message.instanceID.description,
            "message": message.id.description,
        ]
        if let confirmation { metadata["confirmation"] = confirmation.id.description }
        _ = try await tx.auditEvents.insert(
            env.auditEvent(
                action, by: .system, in: org, resourceType: "contact", resourceID: stored.id.description,
                metadata: metadata))
        if let webhooks {
            try await webhooks.publish(
                WebhookEvent(
                    type: kind == .optedOut ? .contactOptedOut : .contactOptedIn, organizationID: org,
                    instanceID: message.instanceID,
                    data: eventData(stored, keyword: keyword, message: message, confirmation: confirmation),
                    ids: env.ids),
                in: tx)
        }
        return InboundOptOutOutcome(kind: kind, keyword: keyword, contact: stored, confirmation: confirmation)
    }

    /// The `data` of `contact.opted_out` and `contact.opted_in`.
    static func eventData(_ contact: Contact, keyword: String, message: Message, confirmation: Message?) -> JSONValue {
        var object: JSONObject = [
            "contact_id": .identifier(contact.id),
            "chat": .string(message.chatJID.description),
            "opted_out": .bool(contact.optedOut),
            "source": .string(OptOutSource.keyword.rawValue),
            "keyword": .string(keyword),
            "message_id": .identifier(message.id),
        ]
        if let phone = contact.phone { object["phone"] = .string(phone.e164) }
        if let optedOutAt = contact.optedOutAt { object["opted_out_at"] = .timestamp(optedOutAt) }
        if let confirmation { object["confirmation_message_id"] = .identifier(confirmation.id) }
        return .object(object)
    }
}
