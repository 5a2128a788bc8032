import Foundation
import WACore

extension RepositoryContract {
    static var filterCases: [Case] {
        [
            Case("filters: messages", messageFilters),
            Case("filters: contacts", contactFilters),
            Case("filters: members, API keys and instances", teamFilters),
            Case("filters: chats, campaigns and automations", outreachFilters),
            Case("filters: webhook endpoints, deliveries, audit events and risk alerts", integrationFilters),
        ]
    }

    /// Lists every page under each filter and compares with the filter's reference ``EntityFilter/matches(_:)``
    /// over all records; `count` must agree too. Each filter must select some but not all records, so that a store
    /// that ignores it fails.
    private static func agree<Entity: StoredEntity>(
        _ store: any Store, _ org: OrganizationID, _ repository: @escaping @Sendable (any StoreTransaction) -> any Repository<Entity>,
        _ filters: [(String, Entity.Filter)]
    ) async throws {
        func everything(_ filter: Entity.Filter) async throws -> [Entity] {
            var items: [Entity] = []
            var cursor: Cursor? = nil
            repeat {
                let request = try PageRequest(limit: 7, cursor: cursor, order: .oldestFirst)
                let page = try await store.transaction(.organization(org)) {
                    try await repository($0).list(in: org, where: filter, page: request)
                }
                items += page.items
                cursor = page.nextCursor
            } while cursor != nil
            return items
        }
        let all = try await everything(Entity.Filter())
        for (label, filter) in filters {
            let expected = all.filter(filter.matches)
            try check(
                !expected.isEmpty && expected.count < all.count,
                "\(Entity.entityName) filter \(label) must be selective in the fixture (\(expected.count) of \(all.count))")
            let listed = try await everything(filter)
            try check(
                listed.map(\.id) == expected.map(\.id),
                "\(Entity.entityName) filter \(label): listed \(listed.count), expected \(expected.count)")
            let counted = try await store.transaction(.organization(org)) {
                try await repository($0).count(in: org, where: filter)
            }
            try check(counted == expected.count, "\(Entity.entityName) filter \(label): count \(counted) ≠ \(expected.count)")
        }
    }

    private static func messageFilters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let other = f.instance(in: t.id)
        let contact = f.contact(in: t.id)
        let campaign = f.campaign(in: t.id, instance: t.instance.id, template: t.template.id)
        let chats = [f.phone().jid, f.phone().jid, f.phone().jid]
        let statuses: [MessageStatus] = [.queued, .sent, .delivered, .read, .failed]
        var middle = Date.distantPast
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.instances.insert(other)
            _ = try await tx.contacts.insert(contact)
            _ = try await tx.campaigns.insert(campaign)
            for i in 0..<30 {
                var m = f.message(
                    in: t.id, instance: i % 4 == 0 ? other.id : t.instance.id, chat: chats[i % 3],
                    direction: i % 2 == 0 ? .inbound : .outbound, status: statuses[i % 5])
                if i % 5 == 1 { m.contactID = contact.id }
                if i % 6 == 2 { m.campaignID = campaign.id }
                if i == 15 { middle = m.createdAt }
                if i % 7 == 3 { m.body = "Your ORDER nº \(i) shipped 📦" }
                _ = try await tx.messages.insert(m)
            }
        }
        try await agree(
            store, t.id, { generic($0.messages) },
            [
                ("instanceID", .init(instanceID: other.id)),
                ("instanceIDs", .init(instanceIDs: [other.id])),
                ("chatJID", .init(chatJID: chats[1])),
                ("contactID", .init(contactID: contact.id)),
                ("campaignID", .init(campaignID: campaign.id)),
                ("direction", .init(direction: .inbound)),
                ("status", .init(status: .delivered)),
                ("since", .init(since: middle)),
                ("until", .init(until: middle)),
                ("search, any case", .init(search: "order Nº")),
                ("combined", .init(instanceID: t.instance.id, chatJID: chats[0], direction: .outbound)),
            ])
    }

    private static func contactFilters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        try await store.transaction(.organization(t.id)) { tx in
            for i in 0..<12 {
                var c = f.contact(in: t.id, tags: i % 3 == 0 ? ["vip", "de"] : (i % 3 == 1 ? ["de"] : []))
                c.optedOut = i % 4 == 0
                c.name = i == 5 ? "Zoë Müller" : "Person \(i)"
                _ = try await tx.contacts.insert(c)
            }
        }
        try await agree(
            store, t.id, { generic($0.contacts) },
            [
                ("tag", .init(tag: "vip")),
                ("optedOut", .init(optedOut: true)),
                ("search by name, any case", .init(search: "zoË")),
                ("combined", .init(tag: "de", optedOut: false)),
            ])
        // Every fixture phone starts with +491701, so a digit search selects all: check it separately.
        let byDigits = try await store.transaction(.organization(t.id)) {
            try await $0.contacts.count(in: t.id, where: .init(search: "491701"))
        }
        try check(byDigits == 12, "search by phone digits finds every contact (\(byDigits))")
    }

    private static func teamFilters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let second = f.instance(in: t.id)
        var agents: [Member] = []
        let replacement: APIKeyID = f.ids.make()
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.instances.insert(second)
            for i in 0..<8 {
                var m = f.member(in: t.id, role: [.viewer, .agent, .manager][i % 3])
                m.isActive = i != 4
                if i % 2 == 1 { m.assignedInstances = [second.id] }
                agents.append(try await tx.members.insert(m))
            }
            for i in 0..<6 {
                var k = f.apiKey(in: t.id, createdBy: i % 2 == 0 ? t.admin.id : agents[1].id)
                if i % 3 == 0 { k.revokedAt = k.createdAt }
                if i == 4 { k.replacedBy = replacement }
                _ = try await tx.apiKeys.insert(k)
            }
            let failed = f.instance(in: t.id).restored(status: .failed)
            _ = try await tx.instances.insert(failed)
        }
        try await agree(
            store, t.id, { generic($0.members) },
            [
                ("role", .init(role: .manager)), ("isActive", .init(isActive: false)),
                ("assignedTo", .init(assignedTo: second.id)),
            ])
        try await agree(
            store, t.id, { generic($0.apiKeys) },
            [
                ("createdBy", .init(createdBy: agents[1].id)), ("excludeRevoked", .init(excludeRevoked: true)),
                ("replacedBy", .init(replacedBy: replacement)),
            ])
        try await agree(
            store, t.id, { generic($0.instances) },
            [("status", .init(status: .failed)), ("ids", .init(ids: [second.id, t.instance.id]))])
    }

    private static func outreachFilters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let second = f.instance(in: t.id)
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.instances.insert(second)
            for i in 0..<6 {
                var chat = f.chat(in: t.id, instance: i % 2 == 0 ? second.id : t.instance.id)
                chat.isArchived = i % 3 == 0
                _ = try await tx.chats.insert(chat)
                let campaign = f.campaign(in: t.id, instance: i % 2 == 0 ? second.id : t.instance.id, template: t.template.id)
                    .restored(status: i % 3 == 0 ? .running : .draft)
                _ = try await tx.campaigns.insert(campaign)
                var automation = f.automation(in: t.id, template: t.template.id)
                automation.instanceID = [nil, second.id, t.instance.id][i % 3]
                automation.isEnabled = i != 2
                _ = try await tx.automations.insert(automation)
            }
        }
        try await agree(
            store, t.id, { generic($0.chats) },
            [
                ("instanceID", .init(instanceID: second.id)), ("isArchived", .init(isArchived: true)),
                ("instanceIDs", .init(instanceIDs: [second.id])),
            ])
        try await agree(
            store, t.id, { generic($0.campaigns) },
            [
                ("status", .init(status: .running)), ("instanceID", .init(instanceID: t.instance.id)),
                ("instanceIDs", .init(instanceIDs: [second.id])),
            ])
        try await agree(
            store, t.id, { generic($0.automations) },
            [("appliesTo (own and organization-wide)", .init(appliesTo: second.id)), ("isEnabled", .init(isEnabled: false))])
    }

    private static func integrationFilters(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let member = f.member(in: t.id)
        var middle = Date.distantPast
        let other = f.instance(in: t.id)
        try await store.transaction(.organization(t.id)) { tx in
            _ = try await tx.members.insert(member)
            _ = try await tx.instances.insert(other)
            var disabled = f.webhookEndpoint(in: t.id)
            disabled.isEnabled = false
            _ = try await tx.webhookEndpoints.insert(disabled)
            for i in 0..<6 {
                var d = f.delivery(in: t.id, endpoint: i % 2 == 0 ? disabled.id : t.endpoint.id)
                d.state = [d.state, .succeeded(attempts: 1), .failed(reason: .cancelled, attempts: 1)][i % 3]
                _ = try await tx.deliveries.insert(d)
                var alert = f.riskAlert(in: t.id, instance: i % 3 == 0 ? other.id : t.instance.id)
                if i % 2 == 0 { alert.acknowledgedAt = alert.createdAt }
                _ = try await tx.riskAlerts.insert(alert)
            }
            for i in 0..<9 {
                var e = f.auditEvent(
                    in: t.id, actor: i % 3 == 0 ? .member(member.id) : .system,
                    action: ["member.invited", "member.removed", "instance.linked"][i % 3])
                if i == 4 { middle = e.occurredAt; e.resourceID = "special" }
                _ = try await tx.auditEvents.insert(e)
            }
        }
        try await agree(store, t.id, { generic($0.webhookEndpoints) }, [("isEnabled", .init(isEnabled: false))])
        try await agree(
            store, t.id, { generic($0.deliveries) },
            [("endpointID", .init(endpointID: t.endpoint.id)), ("status", .init(status: .failed))])
        try await agree(
            store, t.id, { generic($0.auditEvents) },
            [
                ("exact action", .init(action: "member.removed")), ("action prefix", .init(action: "member.")),
                ("actor", .init(actor: .member(member.id))), ("resourceID", .init(resourceID: "special")),
                ("since", .init(since: middle)), ("until", .init(until: middle)),
            ])
        try await agree(
            store, t.id, { generic($0.riskAlerts) },
            [
                ("unacknowledgedOnly", .init(unacknowledgedOnly: true)), ("instanceID", .init(instanceID: other.id)),
                ("instanceIDs", .init(instanceIDs: [other.id])),
                ("combined", .init(instanceID: t.instance.id, unacknowledgedOnly: true)),
            ])
    }
}
