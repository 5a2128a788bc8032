import WACore

extension RepositoryContract {
    static var uniquenessCases: [Case] {
        [
            Case("uniqueness: constraints within an organization", uniqueWithinOrganization),
            Case("uniqueness: the same values are free in another organization", uniquePerOrganization),
            Case("uniqueness: slugs and API key lookup ids are global", uniqueGlobally),
            Case("uniqueness: an update may not take another record's key", updateIntoConflict),
            Case("uniqueness: a contact's JID and LID share one namespace", jidAndLIDShareNamespace),
            Case("uniqueness: a freed key can be reused", freedKeyIsReusable),
            Case("uniqueness: contacts are found by a set of phone numbers, in their organization only", contactsByPhones),
        ]
    }

    private static func contactsByPhones(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let other = try await TenantFixture.create(in: store, using: f)
        let mine = (0..<5).map { _ in f.contact(in: t.id) }
        let theirs = f.contact(in: other.id, phone: mine[0].phone)
        try await store.transaction(.organization(t.id)) { tx in for c in mine { _ = try await tx.contacts.insert(c) } }
        _ = try await store.transaction(.organization(other.id)) { try await $0.contacts.insert(theirs) }
        let asked = Set(mine.prefix(3).compactMap(\.phone) + [f.phone()])
        let found = try await store.transaction(.organization(t.id)) { try await $0.contacts.find(phones: asked, in: t.id) }
        try check(
            Set(found.map(\.id)) == Set(mine.prefix(3).map(\.id)) && found.count == 3,
            "the three contacts with those numbers, none of another organization: \(found.map(\.id))")
        let none = try await store.transaction(.organization(t.id)) { try await $0.contacts.find(phones: [], in: t.id) }
        try check(none.isEmpty, "no numbers, no contacts")
    }

    private static func uniqueWithinOrganization(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let contact = f.contact(in: t.id)
        let chat = f.chat(in: t.id, instance: t.instance.id)
        let message = f.message(in: t.id, instance: t.instance.id, idempotencyKey: "k-\(f.token())")
        var withWhatsAppID = f.message(in: t.id, instance: t.instance.id)
        withWhatsAppID.whatsappID = "true_1@c.us_\(f.token())"
        let delivery = f.delivery(in: t.id, endpoint: t.endpoint.id)
        let proxy = f.proxyServer(in: t.id)
        try await store.transaction(scope) { tx in
            _ = try await tx.contacts.insert(contact)
            _ = try await tx.chats.insert(chat)
            _ = try await tx.messages.insert(message)
            _ = try await tx.messages.insert(withWhatsAppID)
            _ = try await tx.deliveries.insert(delivery)
            _ = try await tx.proxyServers.insert(proxy)
        }

        func duplicate<R>(_ field: String, _ what: String, _ body: @escaping (any StoreTransaction) async throws -> R)
            async throws
        {
            try await checkThrows(.alreadyExists, field: field, what) { try await store.transaction(scope, body) }
        }
        try await duplicate("id", "same id twice") { try await $0.contacts.insert(contact) }
        try await duplicate("email", "member e-mail") { try await $0.members.insert(f.member(in: t.id, email: t.admin.email)) }
        try await duplicate("name", "instance name") { try await $0.instances.insert(f.instance(in: t.id, name: t.instance.name)) }
        try await duplicate("name", "template name") { try await $0.templates.insert(f.template(in: t.id, name: t.template.name)) }
        try await duplicate("phone", "contact phone") { tx in
            var c = f.contact(in: t.id, phone: contact.phone)
            c.jid = nil
            return try await tx.contacts.insert(c)
        }
        try await duplicate("jid", "contact JID") { tx in
            var c = f.contact(in: t.id)
            c.jid = contact.jid
            return try await tx.contacts.insert(c)
        }
        try await duplicate("jid", "chat JID on one instance") { try await $0.chats.insert(f.chat(in: t.id, instance: t.instance.id, jid: chat.jid)) }
        try await duplicate("idempotency_key", "message idempotency key") {
            try await $0.messages.insert(f.message(in: t.id, instance: t.instance.id, idempotencyKey: message.idempotencyKey))
        }
        try await duplicate("whatsapp_id", "WhatsApp message id on one instance") { tx in
            var m = f.message(in: t.id, instance: t.instance.id)
            m.whatsappID = withWhatsAppID.whatsappID
            return try await tx.messages.insert(m)
        }
        try await duplicate("event_id", "delivery of one event to one endpoint") {
            try await $0.deliveries.insert(f.delivery(in: t.id, endpoint: t.endpoint.id, eventID: delivery.eventID))
        }
        try await duplicate("address", "proxy address") { tx in
            var p = f.proxyServer(in: t.id)
            p.host = proxy.host.uppercased()
            p.port = proxy.port
            return try await tx.proxyServers.insert(p)
        }

        // Keys scoped to a parent are free under another parent.
        let second = f.instance(in: t.id)
        try await store.transaction(scope) { tx in
            _ = try await tx.instances.insert(second)
            _ = try await tx.chats.insert(f.chat(in: t.id, instance: second.id, jid: chat.jid))
            var m = f.message(in: t.id, instance: second.id)
            m.whatsappID = withWhatsAppID.whatsappID
            _ = try await tx.messages.insert(m)
            // Idempotency keys are scoped per instance: the same key on another instance names another message.
            let sameKey = try await tx.messages.insert(
                f.message(in: t.id, instance: second.id, idempotencyKey: message.idempotencyKey))
            let key = try requireValue(message.idempotencyKey, "the message has a key")
            let onSecond = try await tx.messages.find(idempotencyKey: key, instance: second.id, in: t.id)
            let onFirst = try await tx.messages.find(idempotencyKey: key, instance: t.instance.id, in: t.id)
            try check(
                onSecond?.id == sameKey.id && onFirst?.id == message.id,
                "an idempotency key finds the message of its own instance")
            let otherEndpoint = try await tx.webhookEndpoints.insert(f.webhookEndpoint(in: t.id))
            _ = try await tx.deliveries.insert(f.delivery(in: t.id, endpoint: otherEndpoint.id, eventID: delivery.eventID))
        }
        // Nothing of the refused inserts was kept.
        let counts = try await store.transaction(scope) { tx in
            (try await tx.contacts.count(in: t.id, where: .init()), try await tx.members.count(in: t.id, where: .init()))
        }
        try check(counts.0 == 1 && counts.1 == 1, "refused inserts left no rows (contacts, members: \(counts))")
    }

    private static func uniquePerOrganization(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        let contact = f.contact(in: a.id)
        try await store.transaction(.organization(a.id)) { _ = try await $0.contacts.insert(contact) }
        try await store.transaction(.organization(b.id)) { tx in
            _ = try await tx.members.insert(f.member(in: b.id, email: a.admin.email))
            _ = try await tx.instances.insert(f.instance(in: b.id, name: a.instance.name))
            _ = try await tx.templates.insert(f.template(in: b.id, name: a.template.name))
            _ = try await tx.contacts.insert(f.contact(in: b.id, phone: contact.phone))
        }
    }

    private static func uniqueGlobally(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        let key = f.apiKey(in: a.id, createdBy: a.admin.id)
        try await store.transaction(.organization(a.id)) { _ = try await $0.apiKeys.insert(key) }
        try await checkThrows(.alreadyExists, field: "lookup_id", "lookup id used by another organization") {
            try await store.transaction(.organization(b.id)) { tx in
                var k = f.apiKey(in: b.id, createdBy: b.admin.id)
                k.lookupID = key.lookupID
                return try await tx.apiKeys.insert(k)
            }
        }
        try await checkThrows(.alreadyExists, field: "slug", "slug used by another organization") {
            try await store.transaction(.system) { tx in
                var org = f.organization()
                org.slug = a.organization.slug
                return try await tx.organizations.insert(org)
            }
        }
    }

    private static func updateIntoConflict(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let other = try await store.transaction(scope) { try await $0.members.insert(f.member(in: t.id)) }
        var renamed = other
        renamed.email = t.admin.email
        try await checkThrows(.alreadyExists, field: "email", "update onto an existing e-mail") {
            try await store.transaction(scope) { try await $0.members.update(renamed) }
        }
        let unchanged = try await store.transaction(scope) { try await $0.members.get(other.id, in: t.id) }
        try check(unchanged == other, "the refused update changed nothing")
        // Keeping one's own key is not a conflict.
        var same = other
        same.displayName = "Still me"
        let updated = try await store.transaction(scope) { try await $0.members.update(same) }
        try check(updated.email == other.email && updated.version == 2, "update keeping own unique key")
    }

    private static func jidAndLIDShareNamespace(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        var generator = SystemRandomSource().generator
        let lid = try JID(parsing: "\(Int.random(in: 100_000_000_000...999_999_999_999, using: &generator))@lid")
        var first = f.contact(in: t.id)
        first.lid = lid
        try await store.transaction(scope) { _ = try await $0.contacts.insert(first) }
        let byLID = try await store.transaction(scope) { try await $0.contacts.find(jid: lid, in: t.id) }
        try check(byLID?.id == first.id, "a contact is found by its LID")
        try await checkThrows(.alreadyExists, field: "jid", "another contact whose JID is the first one's LID") {
            try await store.transaction(scope) { tx in
                var second = f.contact(in: t.id)
                second.jid = lid
                return try await tx.contacts.insert(second)
            }
        }
    }

    private static func freedKeyIsReusable(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let instance = f.instance(in: t.id)
        try await store.transaction(scope) { _ = try await $0.instances.insert(instance) }
        try await store.transaction(scope) { try await $0.instances.delete(instance.id, in: t.id) }
        let again = try await store.transaction(scope) {
            try await $0.instances.insert(f.instance(in: t.id, name: instance.name))
        }
        try check(again.name == instance.name, "a deleted record's name can be used again")
        var renamed = again
        renamed.name = "renamed-\(f.token())"
        _ = try await store.transaction(scope) { try await $0.instances.update(renamed) }
        let reused = try await store.transaction(scope) {
            try await $0.instances.insert(f.instance(in: t.id, name: instance.name))
        }
        try check(reused.name == instance.name, "a renamed record's old name can be used again")
    }
}
