import Foundation

/// Acting on messages already in a chat, through the instance's live session: reacting to any message, deleting one
/// of the instance's own messages for everyone, and editing one.
///
/// Each action needs `messages:send` on the message's instance (the contact sees it). It runs at once through the
/// ready session and is not queued: an instance that waits for a person (not started, stopped, logged out, failed,
/// not linked yet) is `invalid_instance_state`; one starting, reconnecting or run by another node is
/// `session_not_ready` (retry after a few seconds). Actions are account activity, so they are refused while the risk
/// monitor pauses the instance (`rate_limited`, with the wait); they do not count against the send limits.
///
/// Once WhatsApp took the action, the message is updated and `message.reaction`, `message.revoked` or
/// `message.edited` is published, with an audit event for deletions and edits. WhatsApp reports the same change back
/// to the session; that echo changes nothing, so each change is published once.
public struct MessageActionService: Sendable {
    private let env: ServiceEnvironment
    private let sessions: any SessionDirectory
    private let webhooks: (any WebhookPublisher)?

    /// How long after it was sent a message can still be deleted for everyone: WhatsApp's limit, about two and a half
    /// days.
    public static let revokeWindow: Duration = .seconds(60 * 3_600)
    /// How long after it was sent a message can still be edited: WhatsApp's limit, 15 minutes.
    public static let editWindow: Duration = .seconds(15 * 60)

    /// A service over `environment` (store, clock, identifiers, access policy) that reaches running sessions through
    /// `sessions` (the ``InstanceSupervisor``) and publishes the changes to `webhooks`.
    public init(environment: ServiceEnvironment, sessions: any SessionDirectory, webhooks: (any WebhookPublisher)? = nil) {
        env = environment
        self.sessions = sessions
        self.webhooks = webhooks
    }

    /// Puts the instance's reaction on a message (sent or received), in place of its earlier one; an empty `emoji`
    /// takes the reaction off. Returns the message with its ``Message/reactions``.
    ///
    /// `emoji` is one emoji (`👍`, `❤️`, `👍🏽`, a flag) or empty (`invalid_argument`, field `emoji`, otherwise). The
    /// message must have reached WhatsApp (`invalid_argument`, field `message_id`, while it is queued or failed) and
    /// not be deleted.
    @discardableResult
    public func react(to id: MessageID, with emoji: String, by principal: Principal) async throws -> Message {
        guard emoji.isEmpty || Message.Reaction.isSingleEmoji(emoji) else {
            throw WAError.invalid("emoji", "a reaction is one emoji, or empty to take the reaction off")
        }
        let (message, instance) = try await load(id, by: principal)
        guard message.revokedAt == nil else {
            throw WAError.invalid("message_id", "the message was deleted; there is nothing to react to")
        }
        let whatsappID = try Self.whatsappID(of: message, toDo: "react to it")
        guard let me = instance.jid ?? instance.phone?.jid else { throw instance.noReadySessionError(for: "reacting") }
        let session = try await readySession(instance, for: "reacting")
        try await session.react(to: whatsappID, in: message.chatJID, with: emoji)
        let now = env.clock.now()
        let reaction = Message.Reaction(
            sender: me, fromMe: true, emoji: emoji, reactedAt: now)
        return try await record(id, principal, publishing: .messageReaction, audit: nil, now: now) {
            MessageEventData.json($0, reaction: reaction)
        } apply: { message, _ in
            message.applyReaction(reaction)
        }
    }

    /// Deletes one of the instance's own messages for everyone, as "Delete for everyone" on the phone would. The
    /// stored message keeps its text, with ``Message/revokedAt`` set. A message deleted before is returned as it is.
    ///
    /// Only outbound messages that reached WhatsApp, sent less than ``revokeWindow`` ago, can be deleted
    /// (`invalid_argument`, field `message_id`).
    @discardableResult
    public func revoke(_ id: MessageID, by principal: Principal) async throws -> Message {
        let (message, instance) = try await load(id, by: principal)
        if message.revokedAt != nil { return message }
        try Self.requireOwn(message, toBe: "deleted for everyone")
        let whatsappID = try Self.whatsappID(of: message, toDo: "delete it")
        try requireWithin(Self.revokeWindow, of: message, toDo: "deleted for everyone")
        let session = try await readySession(instance, for: "deleting a message")
        try await session.revoke(whatsappID, in: message.chatJID)
        return try await record(id, principal, publishing: .messageRevoked, audit: "message.revoked", now: env.clock.now()) {
            MessageEventData.json($0)
        } apply: { message, now in
            guard message.revokedAt == nil else { return false }
            message.revokedAt = now
            return true
        }
    }

    /// Replaces the text of one of the instance's own text messages, or the caption of a media message, as "Edit" on
    /// the phone would; the recipient sees it marked edited. The same text again changes nothing.
    ///
    /// Only outbound text and media messages that reached WhatsApp, sent less than ``editWindow`` ago and not
    /// deleted, can be edited (`invalid_argument`, field `message_id`); `text` is 1–65,536 characters (field `text`).
    @discardableResult
    public func edit(_ id: MessageID, text: String, by principal: Principal) async throws -> Message {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw WAError.invalid("text", "the edited text is empty")
        }
        guard text.count <= MessagingService.maximumTextLength else {
            throw WAError.invalid("text", "a text is at most \(MessagingService.maximumTextLength) characters")
        }
        let (message, instance) = try await load(id, by: principal)
        try Self.requireOwn(message, toBe: "edited")
        guard message.revokedAt == nil else { throw WAError.invalid("message_id", "a deleted message cannot be edited") }
        guard message.kind == .text || message.media != nil else {
            throw WAError.invalid("message_id", "only texts and the captions of media messages can be edited")
        }
        if message.body == text { return message }
        let whatsappID = try Self.whatsappID(of: message, toDo: "edit it")
        try requireWithin(Self.editWindow, of: message, toDo: "edited")
        let session = try await readySession(instance, for: "editing a message")
        try await session.edit(whatsappID, in: message.chatJID, text: text)
        return try await record(id, principal, publishing: .messageEdited, audit: "message.edited", now: env.clock.now()) {
            MessageEventData.json($0)
        } apply: { message, now in
            guard message.revokedAt == nil, message.body != text else { return false }
            message.body = text
            message.editedAt = now
            return true
        }
    }

    // MARK: Steps

    /// The message and its instance, once the principal may act through the instance.
    private func load(_ id: MessageID, by principal: Principal) async throws -> (Message, Instance) {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesSend, on: .organization(org))
        let (message, instance) = try await env.transaction(by: principal) { tx in
            let message = try await tx.messages.get(id, in: org)
            return (message, try await tx.instances.get(message.instanceID, in: org))
        }
        try env.policy.require(principal, .messagesSend, on: .instance(instance.id, in: org))
        return (message, instance)
    }

    private func readySession(_ instance: Instance, for action: String) async throws -> any WhatsAppSession {
        let now = env.clock.now()
        if let paused = instance.risk.pausedUntil, paused > now {
            throw WAError(
                .rateLimited, "the risk monitor paused the instance until \(paused); \(action) waits too",
                field: "instance_id", retryAfter: .seconds(paused.timeIntervalSince(now)))
        }
        guard let session = await sessions.readySession(for: instance.id) else {
            throw instance.noReadySessionError(for: action)
        }
        return session
    }

    private static func requireOwn(_ message: Message, toBe done: String) throws(WAError) {
        guard message.direction == .outbound else {
            throw WAError.invalid("message_id", "only the instance's own messages can be \(done)")
        }
    }

    private static func whatsappID(of message: Message, toDo action: String) throws(WAError) -> String {
        guard let whatsappID = message.whatsappID, message.status != .failed else {
            throw WAError.invalid(
                "message_id", "the message has not reached WhatsApp (it is \(message.status.rawValue)); nothing can \(action)")
        }
        return whatsappID
    }

    private func requireWithin(_ window: Duration, of message: Message, toDo action: String) throws(WAError) {
        let sent = message.timestamps.sentAt ?? message.timestamps.pendingAt ?? message.createdAt
        guard env.clock.now().timeIntervalSince(sent) <= window.timeInterval else {
            throw WAError.invalid(
                "message_id", "WhatsApp lets a message be \(action) for \(Self.describe(window)) after it was sent")
        }
    }

    private static func describe(_ window: Duration) -> String {
        let minutes = Int(window.timeInterval / 60)
        return minutes < 120 ? "\(minutes) minutes" : "\(minutes / 60) hours"
    }

    /// Applies the change to the message as stored now and publishes it, unless the session's echo of it was stored
    /// first; records the audit event `audit` names either way.
    private func record(
        _ id: MessageID, _ principal: Principal, publishing type: WebhookEventType, audit: String?, now: Date,
        data: (Message) -> JSONValue, apply: (inout Message, Date) -> Bool
    ) async throws -> Message {
        let org = principal.organizationID
        return try await env.transaction(by: principal) { tx in
            let current = try await tx.messages.get(id, in: org)
            let stored =
                try await MessageChange.record(
                    current, publishing: type, data: data, in: tx, webhooks: webhooks, ids: env.ids, now: now, apply)
                ?? current
            if let audit {
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        audit, by: principal.auditActor, in: org, resourceType: "message",
                        resourceID: stored.id.description, metadata: ["instance": stored.instanceID.description]))
            }
            return stored
        }
    }
}
