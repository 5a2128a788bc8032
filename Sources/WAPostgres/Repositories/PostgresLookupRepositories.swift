import WACore

/// Members, with the lookup by e-mail.
struct PostgresMemberRepository: MemberRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<MemberMapping>

    func find(email: String, in organization: OrganizationID) async throws(WAError) -> Member? {
        try await base.find(matching: [("email", .text(email.lowercased()))], in: organization)
    }
}

/// API keys, with the lookup by lookup id across organizations (system scope) or in the transaction's own.
struct PostgresAPIKeyRepository: APIKeyRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<APIKeyMapping>

    func find(lookupID: String) async throws(WAError) -> APIKey? {
        let organization: OrganizationID? = if case .organization(let id) = context.scope { id } else { nil }
        return try await base.find(global: UniqueKey("lookup_id", lookupID, global: true), in: organization)
    }
}

/// Templates, with the lookup by name.
struct PostgresTemplateRepository: TemplateRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<TemplateMapping>

    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Template? {
        try await base.find(matching: [("name", .text(name))], in: organization)
    }
}

/// Chats, with the lookup by instance and JID.
struct PostgresChatRepository: ChatRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<ChatMapping>

    func find(jid: JID, instance: InstanceID, in organization: OrganizationID) async throws(WAError) -> Chat? {
        try await base.find(matching: [("instance_id", .id(instance)), ("jid", .text(jid.description))], in: organization)
    }
}

/// Webhook deliveries, with the lookup by endpoint and event.
struct PostgresDeliveryRepository: DeliveryRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<DeliveryMapping>

    func find(eventID: String, endpoint: WebhookEndpointID, in organization: OrganizationID) async throws(WAError)
        -> Delivery?
    {
        try await base.find(matching: [("endpoint_id", .id(endpoint)), ("event_id", .text(eventID))], in: organization)
    }
}

/// Instances, with the lookup by name and the instances every organization wants running (system scope).
struct PostgresInstanceRepository: InstanceRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<InstanceMapping>

    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Instance? {
        try await base.find(matching: [("name", .text(name))], in: organization)
    }

    func desiredRunning(after: InstanceID?, limit: Int) async throws(WAError) -> [Instance] {
        guard context.scope == .system else {
            throw WAError(.tenantMismatch, "listing the instances to run needs a system-scope transaction")
        }
        guard limit > 0 else { return [] }
        var sql = SQLBuilder("SELECT data::text FROM instances WHERE desired_state = 'running'")
        if let after {
            sql.append(" AND id > ")
            sql.append(bound: .id(after))
        }
        sql.append(" ORDER BY id LIMIT \(limit)")
        let texts = try await context.values(sql, as: String.self, doing: "listing the instances to run")
        return try context.decode(texts, as: Instance.self)
    }
}
