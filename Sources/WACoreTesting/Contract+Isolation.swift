import WACore

extension RepositoryContract {
    static var tenantIsolationCases: [Case] {
        aggregates.map { aggregate in Case("tenant isolation: \(aggregate.name)", aggregate.isolation) } + [
            Case("tenant isolation: lookups by natural key stay inside the organization", lookupsStayInside),
            Case("tenant isolation: a transaction cannot be used after it ends", transactionCannotBeReused),
            Case("tenant isolation: transactions do not nest", transactionsDoNotNest),
        ]
    }

    private static func lookupsStayInside(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let b = try await TenantFixture.create(in: store, using: f)
        let contact = f.contact(in: a.id)
        let key = f.apiKey(in: a.id, createdBy: a.admin.id)
        let message = f.message(in: a.id, instance: a.instance.id, idempotencyKey: "order-\(f.token())")
        try await store.transaction(.organization(a.id)) { tx in
            _ = try await tx.contacts.insert(contact)
            _ = try await tx.apiKeys.insert(key)
            _ = try await tx.messages.insert(message)
        }
        let phone = try requireValue(contact.phone, "fixture contact has a phone")
        let jid = try requireValue(contact.jid, "fixture contact has a JID")
        let idempotencyKey = try requireValue(message.idempotencyKey, "fixture message has a key")
        try await store.transaction(.organization(b.id)) { tx in
            try check(try await tx.members.find(email: a.admin.email, in: b.id) == nil, "email lookup crosses tenants")
            try check(try await tx.contacts.find(phone: phone, in: b.id) == nil, "phone lookup crosses tenants")
            try check(try await tx.contacts.find(jid: jid, in: b.id) == nil, "JID lookup crosses tenants")
            try check(try await tx.instances.find(name: a.instance.name, in: b.id) == nil, "name lookup crosses tenants")
            try check(try await tx.templates.find(name: a.template.name, in: b.id) == nil, "template lookup crosses")
            try check(
                try await tx.messages.find(idempotencyKey: idempotencyKey, instance: a.instance.id, in: b.id) == nil,
                "idempotency lookup crosses tenants")
            try check(try await tx.apiKeys.find(lookupID: key.lookupID) == nil, "API key lookup crosses tenants")
            try check(
                try await tx.organizations.find(slug: a.organization.slug) == nil, "slug lookup crosses tenants")
            try await checkThrows(.tenantMismatch, "email lookup naming another organization") {
                try await tx.members.find(email: a.admin.email, in: a.id)
            }
        }
        try await store.transaction(.organization(a.id)) { tx in
            try check(try await tx.members.find(email: a.admin.email.uppercased(), in: a.id) == a.admin, "own email")
            try check(try await tx.contacts.find(phone: phone, in: a.id)?.id == contact.id, "own phone")
            try check(try await tx.contacts.find(jid: jid, in: a.id)?.id == contact.id, "own JID")
            try check(try await tx.apiKeys.find(lookupID: key.lookupID)?.id == key.id, "own API key")
            try check(try await tx.organizations.find(slug: a.organization.slug)?.id == a.id, "own slug")
            try check(
                try await tx.messages.find(idempotencyKey: idempotencyKey, instance: a.instance.id, in: a.id)?.id == message.id,
                "own message")
        }
        // Authentication happens before the tenant is known: system scope finds any organization's key.
        let found = try await store.transaction(.system) { try await $0.apiKeys.find(lookupID: key.lookupID) }
        try check(found?.id == key.id && found?.organizationID == a.id, "system scope finds the key by lookup id")
    }

    private static func transactionCannotBeReused(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        let leaked = try await store.transaction(.organization(a.id)) { tx in LeakedTransaction(tx) }
        try await checkThrows(.transactionMisuse, "using a transaction after it ended") {
            try await leaked.transaction.contacts.insert(f.contact(in: a.id))
        }
    }

    private static func transactionsDoNotNest(_ store: any Store, _ f: Fixtures) async throws {
        let a = try await TenantFixture.create(in: store, using: f)
        try await checkThrows(.transactionMisuse, "a transaction inside a transaction") {
            try await store.transaction(.organization(a.id)) { _ in
                try await store.transaction(.organization(a.id)) { _ in () }
            }
        }
    }
}

/// Carries a transaction out of its closure, which a correct caller never does.
struct LeakedTransaction: Sendable {
    let transaction: any StoreTransaction
    init(_ transaction: any StoreTransaction) { self.transaction = transaction }
}

func requireValue<T>(_ value: T?, _ what: String, file: StaticString = #fileID, line: UInt = #line) throws -> T {
    guard let value else { throw ContractViolation(message: "missing: \(what)", location: "\(file):\(line)") }
    return value
}
