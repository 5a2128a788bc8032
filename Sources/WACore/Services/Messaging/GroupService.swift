import Foundation

/// The WhatsApp groups an instance's account belongs to, with their members, read from its running session.
///
/// Messages go to a group through ``MessagingService`` with the group's JID as recipient; received group messages
/// name their author (``Message/author``). Reading groups needs `messages:read` on the instance. Groups are what
/// the session knows (WhatsApp Web holds them locally), so listing them asks WhatsApp nothing and is not rate
/// limited. An instance that waits for a person (not started, stopped, logged out, not linked) is
/// `invalid_instance_state`; one starting, reconnecting or run by another node is `session_not_ready`.
public struct GroupService: Sendable {
    private let env: ServiceEnvironment
    private let sessions: any SessionDirectory

    /// A service over `environment` that reaches running sessions through `sessions` (the ``InstanceSupervisor``).
    public init(environment: ServiceEnvironment, sessions: any SessionDirectory) {
        env = environment
        self.sessions = sessions
    }

    /// The groups the instance's account is a member of, by JID. The instance's stored group chats take the groups'
    /// subjects as their names.
    public func list(on instance: InstanceID, by principal: Principal) async throws -> [GroupInfo] {
        let groups = try await session(of: instance, by: principal, for: "listing groups").groups()
            .sorted { $0.jid < $1.jid }
        try await nameChats(of: instance, after: groups, by: principal)
        return groups
    }

    /// One group of the instance's account; `not_found` (field `group`) when the account is not a member, and
    /// `invalid_jid` (field `group`) for a JID that is not a group's.
    public func get(_ group: JID, on instance: InstanceID, by principal: Principal) async throws -> GroupInfo {
        guard group.isGroup else { throw WAError(.invalidJID, "not a group JID (…@g.us)", field: "group") }
        let groups = try await session(of: instance, by: principal, for: "reading a group").groups()
        guard let found = groups.first(where: { $0.jid == group.withoutDevice }) else {
            throw WAError.notFound("group", field: "group")
        }
        try await nameChats(of: instance, after: [found], by: principal)
        return found
    }

    private func session(of instance: InstanceID, by principal: Principal, for action: String) async throws
        -> any WhatsAppSession
    {
        let org = principal.organizationID
        try env.policy.require(principal, .messagesRead, on: .instance(instance, in: org))
        let stored = try await env.transaction(by: principal) { try await $0.instances.get(instance, in: org) }
        guard let session = await sessions.readySession(for: instance) else {
            throw stored.noReadySessionError(for: action)
        }
        return session
    }

    /// Gives the instance's stored group chats their groups' current subjects (chats not stored yet are left for
    /// the first message to create).
    private func nameChats(of instance: InstanceID, after groups: [GroupInfo], by principal: Principal) async throws {
        guard !groups.isEmpty else { return }
        let org = principal.organizationID
        let now = env.clock.now()
        try await env.transaction(by: principal) { tx in
            for group in groups {
                guard var chat = try await tx.chats.find(jid: group.jid, instance: instance, in: org),
                    chat.name != group.subject
                else { continue }
                chat.name = group.subject
                chat.updatedAt = now
                _ = try await tx.chats.update(chat)
            }
        }
    }
}
