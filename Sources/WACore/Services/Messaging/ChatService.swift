import Foundation

/// The conversations of the organization's instances: listing them with their unread counts, marking one seen, and
/// showing "typing…" or "recording audio…" in one.
///
/// Reading needs `messages:read`, on the instance when one is named; an agent's organization-wide list holds only
/// the chats of their assigned instances (``AccessPolicy/instanceRestriction(for:)``). Marking seen and presence
/// act through the WhatsApp account, which the contact sees, so they need `messages:send` on the instance.
public struct ChatService: Sendable {
    private let env: ServiceEnvironment
    private let messaging: MessagingService
    private let sessions: any SessionDirectory

    /// A service over `environment` that marks chats seen through `messaging` and reaches running sessions through
    /// `sessions` (the ``InstanceSupervisor``).
    public init(environment: ServiceEnvironment, messaging: MessagingService, sessions: any SessionDirectory) {
        env = environment
        self.messaging = messaging
        self.sessions = sessions
    }

    /// Chats matching `filter` (by default newest first), each with its ``Chat/unreadCount``. A filter naming an
    /// instance needs `messages:read` on it (`not_found`, field `instance_id`, when it is not the organization's);
    /// otherwise an agent sees only the chats of their assigned instances.
    public func list(by principal: Principal, where filter: Chat.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Chat>
    {
        let org = principal.organizationID
        var filter = filter
        if let allowed = try env.policy.requireList(principal, .messagesRead, instance: filter.instanceID) {
            filter.instanceIDs = filter.instanceIDs.map { $0.intersection(allowed) } ?? allowed
        }
        let query = filter
        return try await env.transaction(by: principal) { tx in
            if let instance = query.instanceID, try await tx.instances.find(instance, in: org) == nil {
                throw WAError.notFound("instance", field: "instance_id")
            }
            return try await tx.chats.list(in: org, where: query, page: page)
        }
    }

    /// One chat, if the principal may read its instance's messages (`permission_denied` for an agent and a chat of
    /// an instance not assigned to them; `not_found` for another organization's).
    public func get(_ id: ChatID, by principal: Principal) async throws -> Chat {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesRead, on: .organization(org))
        let chat = try await env.transaction(by: principal) { try await $0.chats.get(id, in: org) }
        try env.policy.require(principal, .messagesRead, on: .instance(chat.instanceID, in: org))
        return chat
    }

    /// Marks the chat read on the instance, as opening it in WhatsApp would (``MessagingService/markSeen(_:on:by:)``,
    /// which this forwards to): its unread count drops to zero and the read receipts go out. Returns how many
    /// messages were marked.
    @discardableResult
    public func markSeen(_ chat: JID, on instance: InstanceID, by principal: Principal) async throws -> Int {
        try await messaging.markSeen(chat, on: instance, by: principal)
    }

    /// Shows `presence` in the chat through the instance's live session: "typing…" (``ChatPresence/typing``),
    /// "recording audio…" (``ChatPresence/recording``), or clears it (``ChatPresence/paused``). WhatsApp clears a
    /// presence on its own after a few seconds; a client that types for longer sends it again.
    ///
    /// Needs `messages:send` on the instance. The chat must be a user's or a group's (`invalid_jid`, field `chat`).
    /// Presence is account activity, so it is refused while the risk monitor pauses the instance (`rate_limited`,
    /// with the wait). It is not queued: a presence that cannot be shown now is not worth showing later. An instance
    /// that waits for a person (not started, stopped, logged out, failed, or not linked yet) is
    /// `invalid_instance_state`; one starting, reconnecting, or run by another node is `session_not_ready`.
    public func setPresence(_ presence: ChatPresence, in chat: JID, on instance: InstanceID, by principal: Principal)
        async throws
    {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesSend, on: .instance(instance, in: org))
        guard chat.isUser || chat.isGroup else { throw WAError(.invalidJID, "chats are users or groups", field: "chat") }
        let stored = try await env.transaction(by: principal) { try await $0.instances.get(instance, in: org) }
        let now = env.clock.now()
        if let paused = stored.risk.pausedUntil, paused > now {
            throw WAError(
                .rateLimited, "the risk monitor paused the instance until \(paused); presence waits too",
                field: "instance_id", retryAfter: .seconds(paused.timeIntervalSince(now)))
        }
        guard let session = await sessions.readySession(for: instance) else {
            throw stored.noReadySessionError(for: "showing a presence")
        }
        try await session.setPresence(presence, in: chat.withoutDevice)
    }
}
