import Foundation

/// Sending and reading messages.
///
/// ``send(_:by:)`` validates everything it can before writing (permission on the instance, the recipient, the
/// content and its template variables, stored media and its size cap for the kind, opt-out, the instance's state,
/// the organization's daily quota) and then, in one transaction, writes the message as `queued`, its
/// `message.send` job, an audit event and the `message.queued` event. The ``MessageDispatcher`` does the rest.
public struct MessagingService: Sendable {
    /// The queue of outbound sends.
    public static let sendQueue = "message.send"
    /// The queue of read receipts to send (``markSeen(_:on:by:)``); the ``MessageDispatcher`` runs it.
    public static let seenQueue = "chat.seen"
    /// The queue of received media to download (a job per media message the ``MessageEventHandler`` stores); the
    /// ``MessageDispatcher`` runs it.
    public static let mediaQueue = "message.media"

    private let env: ServiceEnvironment
    /// Receives `message.queued` for every message queued here.
    private let webhooks: (any WebhookPublisher)?
    /// The longest text message WhatsApp accepts.
    public static let maximumTextLength = 65_536

    /// A service over `environment`, of which it uses the store, clock, identifier generator, access policy,
    /// rate-limit store and media policy; `webhooks` receives `message.queued` in the transaction that queues.
    public init(environment: ServiceEnvironment, webhooks: (any WebhookPublisher)? = nil) {
        self.env = environment
        self.webhooks = webhooks
    }

    /// How far ahead a send can be scheduled (``SendMessageRequest/scheduledAt``): 90 days.
    public static let maximumScheduleAhead: Duration = .seconds(90 * 86_400)
    /// How long ago a requested send time may have passed and still mean "now" (clients' clocks differ): 1 minute.
    public static let scheduleTolerance: Duration = .seconds(60)

    /// Queues a message for sending and returns it (status `queued`). With an idempotency key that was used
    /// before on the same instance, returns the earlier message and queues nothing. Keys are scoped per instance:
    /// a key used on another instance is a different key, so it reveals nothing about sends the caller cannot see.
    ///
    /// With ``SendMessageRequest/scheduledAt`` the message waits in the queue until that instant, then goes
    /// through the same pacing and limits as any send. A scheduled message counts against the plan's daily quota
    /// on the day it is accepted; the checks that apply now (the instance is linked, the recipient has not opted
    /// out) are made again when it is sent. A time further ahead than ``maximumScheduleAhead``, or one that passed
    /// more than ``scheduleTolerance`` ago, is `invalid_argument` (field `scheduled_at`).
    public func send(_ request: SendMessageRequest, by principal: Principal) async throws -> Message {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesSend, on: .instance(request.instanceID, in: org))
        if let key = request.idempotencyKey {
            guard (1...255).contains(key.utf8.count) else {
                throw WAError.invalid("idempotency_key", "an idempotency key is 1–255 bytes")
            }
        }
        try Self.validate(request.content)
        let now = env.clock.now()
        let sendAt = try Self.sendTime(request.scheduledAt, now: now)

        return try await env.transaction(by: principal) { tx in
            if let key = request.idempotencyKey,
                let earlier = try await tx.messages.find(idempotencyKey: key, instance: request.instanceID, in: org)
            {
                return earlier
            }
            let instance = try await tx.instances.get(request.instanceID, in: org)
            switch instance.status {
            case .created, .loggedOut, .failed:
                throw WAError(
                    .instanceUnavailable, "the instance is \(instance.status.rawValue); link it before sending",
                    field: "instance_id")
            case .stopped:
                throw WAError(
                    .instanceUnavailable, "the instance is stopped; start it before sending", field: "instance_id")
            default:
                break
            }
            let (chat, contact) = try await resolve(request.recipient, in: tx, org)
            if let contact, contact.optedOut {
                throw WAError(.recipientOptedOut, "the recipient opted out of messages", field: "to")
            }
            if let campaign = request.campaignID {
                guard try await tx.campaigns.find(campaign, in: org)?.instanceID == request.instanceID else {
                    throw WAError.notFound("campaign", field: "campaign_id")
                }
            }
            var message = Message(
                id: env.ids.make(), organizationID: org, instanceID: instance.id, chatJID: chat,
                contactID: contact?.id, direction: .outbound, kind: .text, status: .queued,
                idempotencyKey: request.idempotencyKey, campaignID: request.campaignID, createdAt: now)
            message.timestamps.queuedAt = now
            message.scheduledAt = sendAt
            try await fill(&message, with: request.content, to: chat, contact: contact, tx, org)
            let organization = try await tx.organizations.get(org, in: org)
            try await checkQuota(organization, in: tx, now: now)
            do {
                return try await Self.enqueue(message, by: principal.auditActor, in: tx, env, webhooks: webhooks, now: now)
            } catch let error as WAError where error.code == .alreadyExists && error.field == "idempotency_key" {
                // A concurrent request with the same key was queued since the lookup above: answer with its
                // message, as if this request had come second (the failed insert left the transaction usable).
                guard let key = request.idempotencyKey,
                    let earlier = try await tx.messages.find(idempotencyKey: key, instance: request.instanceID, in: org)
                else { throw error }
                return earlier
            }
        }
    }

    /// The instant a send asked for at `now` is due: `nil` for now (none asked for, or one that passed within
    /// ``scheduleTolerance``).
    static func sendTime(_ requested: Date?, now: Date) throws(WAError) -> Date? {
        guard let requested else { return nil }
        if requested <= now {
            guard now.timeIntervalSince(requested) <= scheduleTolerance.timeInterval else {
                throw WAError.invalid("scheduled_at", "that time has passed; leave scheduled_at out to send now")
            }
            return nil
        }
        guard requested.timeIntervalSince(now) <= maximumScheduleAhead.timeInterval else {
            throw WAError.invalid("scheduled_at", "a send can be scheduled at most 90 days ahead")
        }
        return requested
    }

    /// Writes a `queued` outbound message, its `message.send` job, the audit event `message.queued` and (with
    /// `webhooks`) the `message.queued` event in `tx`:
    /// how every outbound message enters the queue the ``MessageDispatcher`` runs. The caller has made every check
    /// (``send(_:by:)`` the ones it documents; the opt-out confirmation, which must reach a contact who has just opted
    /// out, its own).
    static func enqueue(
        _ message: Message, by actor: AuditEvent.Actor, metadata: [String: String] = [:],
        in tx: any StoreTransaction, _ env: ServiceEnvironment, webhooks: (any WebhookPublisher)?, now: Date
    ) async throws -> Message {
        let org = message.organizationID
        let stored = try await tx.messages.insert(message)
        _ = try await tx.jobs.enqueue(
            Job(
                id: env.ids.make(), organizationID: org, queue: sendQueue,
                payload: Job.encodePayload(SendJobPayload(message: stored.id, instance: stored.instanceID)),
                maxAttempts: 100, scheduledAt: stored.scheduledAt ?? now, uniqueKey: stored.id.description,
                lane: Job.instanceLane(stored.instanceID), createdAt: now))
        var details = metadata
        details["instance"] = stored.instanceID.description
        _ = try await tx.auditEvents.insert(
            env.auditEvent(
                "message.queued", by: actor, in: org, resourceType: "message", resourceID: stored.id.description,
                metadata: details))
        _ = try await webhooks?.publish(
            WebhookEvent(
                type: .messageQueued, organizationID: org, instanceID: stored.instanceID,
                data: MessageEventData.json(stored), ids: env.ids),
            in: tx)
        return stored
    }

    /// Marks a chat as read on the instance, as opening it in WhatsApp would: its inbound messages that are not
    /// read yet become `read`, its unread count drops to zero, and a `chat.seen` job makes the instance send the
    /// read receipts (blue ticks), which the contact sees. Needs `messages:send` on the instance for that reason.
    /// Returns how many messages were marked; a chat with nothing unread (or no chat at all) is a no-op.
    @discardableResult
    public func markSeen(_ chat: JID, on instance: InstanceID, by principal: Principal) async throws -> Int {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesSend, on: .instance(instance, in: org))
        guard chat.isUser || chat.isGroup else { throw WAError(.invalidJID, "chats are users or groups", field: "chat") }
        let jid = chat.withoutDevice
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            _ = try await tx.instances.get(instance, in: org)
            // Inbound messages arrive `delivered`; each page marked `read` leaves the filter, so the loop ends.
            let unreadFilter = Message.Filter(instanceID: instance, chatJID: jid, direction: .inbound, status: .delivered)
            var unread: [Message] = []
            while true {
                let page = try await tx.messages.list(in: org, where: unreadFilter, page: .all).items
                let before = unread.count
                for var message in page where message.advance(to: .read, at: now) {
                    unread.append(try await tx.messages.update(message))
                }
                if unread.count == before { break }
            }
            if var stored = try await tx.chats.find(jid: jid, instance: instance, in: org), stored.unreadCount != 0 {
                stored.unreadCount = 0
                stored.updatedAt = now
                _ = try await tx.chats.update(stored)
            }
            guard let newest = unread.max(by: { $0.createdAt < $1.createdAt }) else { return 0 }
            _ = try await tx.jobs.enqueue(
                Job(
                    id: env.ids.make(), organizationID: org, queue: Self.seenQueue,
                    payload: Job.encodePayload(SeenJobPayload(instance: instance, chat: jid)), maxAttempts: 10,
                    scheduledAt: now, uniqueKey: "\(instance)/\(jid)/\(newest.id)", lane: Job.instanceLane(instance),
                    createdAt: now))
            return unread.count
        }
    }

    /// One message, if the principal may read its instance.
    public func get(_ id: MessageID, by principal: Principal) async throws -> Message {
        let org = principal.organizationID
        let message = try await env.transaction(by: principal) { try await $0.messages.get(id, in: org) }
        try env.policy.require(principal, .messagesRead, on: .instance(message.instanceID, in: org))
        return message
    }

    /// Messages matching `filter`, newest first by default. Agents see only their instances' messages.
    public func list(by principal: Principal, where filter: Message.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Message>
    {
        let org = principal.organizationID
        var filter = filter
        if let allowed = try env.policy.requireList(principal, .messagesRead, instance: filter.instanceID) {
            filter.instanceIDs = filter.instanceIDs.map { $0.intersection(allowed) } ?? allowed
        }
        let query = filter
        return try await env.transaction(by: principal) { tx in
            // Naming an instance that is not the organization's is "not found", not an empty list.
            if let instance = query.instanceID, try await tx.instances.find(instance, in: org) == nil {
                throw WAError.notFound("instance", field: "instance_id")
            }
            return try await tx.messages.list(in: org, where: query, page: page)
        }
    }

    // MARK: Internals

    private static func validate(_ content: SendMessageRequest.Content) throws(WAError) {
        switch content {
        case .text(let text):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= maximumTextLength else {
                throw WAError.invalid("text", "a text message is 1–\(maximumTextLength) characters")
            }
        case .media(_, let kind, let caption):
            guard [.image, .video, .audio, .voice, .document, .sticker].contains(kind) else {
                throw WAError.invalid("kind", "\(kind.rawValue) is not a media kind")
            }
            if let caption, caption.count > 1_024 {
                throw WAError.invalid("caption", "a caption is at most 1,024 characters")
            }
        case .location(let location):
            guard (-90...90).contains(location.latitude), (-180...180).contains(location.longitude) else {
                throw WAError.invalid("location", "latitude must be within ±90 and longitude within ±180")
            }
        case .contactCard(let name, let vCard):
            guard !name.isEmpty, vCard.hasPrefix("BEGIN:VCARD"), vCard.utf8.count <= 10_000 else {
                throw WAError.invalid("contact", "a contact card needs a name and a vCard (BEGIN:VCARD …)")
            }
        case .template:
            break  // rendered (and checked) against the stored template in the transaction
        }
    }

    private func resolve(_ recipient: SendMessageRequest.Recipient, in tx: any StoreTransaction, _ org: OrganizationID)
        async throws -> (JID, Contact?)
    {
        switch recipient {
        case .phone(let phone):
            return (phone.jid, try await tx.contacts.find(phone: phone, in: org))
        case .jid(let jid):
            guard jid.isUser || jid.isGroup else {
                throw WAError(.invalidJID, "messages go to users or groups", field: "to")
            }
            let chat = jid.withoutDevice
            return (chat, chat.isUser ? try await tx.contacts.find(jid: chat, in: org) : nil)
        case .contact(let id):
            guard let contact = try await tx.contacts.find(id, in: org) else { throw WAError.notFound("contact", field: "to") }
            guard let jid = contact.jid ?? contact.phone?.jid ?? contact.lid else {
                throw WAError.invalid("to", "the contact has no number or JID")
            }
            return (jid, contact)
        }
    }

    private func fill(
        _ message: inout Message, with content: SendMessageRequest.Content, to chat: JID, contact: Contact?,
        _ tx: any StoreTransaction, _ org: OrganizationID
    ) async throws {
        switch content {
        case .text(let text):
            message.kind = .text
            message.body = text
        case .media(let id, let kind, let caption):
            guard let media = try await tx.mediaObjects.find(id, in: org) else { throw WAError.notFound("media", field: "media_id") }
            guard MediaType(mimeType: media.mimeType)?.permittedKinds.contains(kind) ?? false else {
                throw WAError(
                    .mediaTypeMismatch, "\(media.mimeType) cannot be sent as \(kind.rawValue)", field: "kind")
            }
            // The caps in force now, for the kind it is sent as (a file uploaded as a document may be too large
            // for an image, and caps may have been lowered since the upload).
            try env.mediaPolicy.checkSize(byteCount: media.byteCount, kind: kind)
            message.kind = kind
            message.body = caption
            message.media = Message.MediaReference(
                mediaID: id, mimeType: media.mimeType, fileName: media.fileName, byteCount: media.byteCount)
        case .location(let location):
            message.kind = .location
            message.location = location
        case .contactCard(let name, let vCard):
            message.kind = .contact
            message.body = name
            message.contactCard = vCard
        case .template(let id, let variables):
            guard let template = try await tx.templates.find(id, in: org) else {
                throw WAError.notFound("template", field: "template_id")
            }
            let text = try Self.render(template, for: contact, chat: chat, variables: variables)
            try Self.validate(.text(text))
            message.kind = .text
            message.body = text
        }
    }

    /// The template's text for one recipient: the built-in variables the template uses (from the contact, or
    /// just the number when the recipient is not a contact), overridden by the caller's `variables`, which must
    /// all be used by the template.
    static func render(_ template: Template, for contact: Contact?, chat: JID, variables: [String: String])
        throws(WAError) -> String
    {
        let builtIn =
            contact.map(CampaignVariables.values(for:))
            ?? ["name": "", "first_name": "", "phone": chat.phoneNumber?.e164 ?? ""]
        let used = Set(template.variables)
        var values = builtIn.filter { used.contains($0.key) }
        values.merge(variables) { _, supplied in supplied }
        return try template.render(values)
    }

    /// Refuses a send when the organization's daily quota is used up, read through the transaction that would
    /// queue it (without counting it: the dispatcher counts actual sends).
    private func checkQuota(_ organization: Organization, in tx: any StoreTransaction, now: Date) async throws {
        let decision = try await tx.rateLimits.check(
            .organizationMessages(organization.id), quota: DailyQuota(organization.limits), now: RateLimitInstant(now))
        if !decision.isAllowed {
            throw WAError(
                .quotaExceeded,
                "the daily message quota of \(organization.limits.messagesPerDay) is used up; it resets at 00:00 UTC",
                retryAfter: decision.retryAfter)
        }
    }
}
