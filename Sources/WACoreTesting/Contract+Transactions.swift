import Foundation
import WACore

extension RepositoryContract {
    static var transactionCases: [Case] {
        [
            Case("transactions: a throwing body keeps none of its writes", rollbackUndoesEverything),
            Case("transactions: the body's error reaches the caller unchanged", bodyErrorPropagates),
            Case("transactions: a committed body keeps all of its writes", commitKeepsEverything),
            Case("transactions: a failed write inside a body can be caught and the rest commits", caughtFailure),
            Case("transactions: audit events are append-only", auditIsAppendOnly),
            Case("transactions: a transaction reads the store's committed rate-limit state", rateLimitsThroughTransaction),
        ]
    }

    struct Boom: Error, Equatable { let tag: String }

    private static func rollbackUndoesEverything(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let existing = try await store.transaction(scope) { try await $0.contacts.insert(f.contact(in: t.id)) }
        let doomed = f.contact(in: t.id)
        do {
            try await store.transaction(scope) { tx in
                _ = try await tx.contacts.insert(doomed)
                _ = try await tx.messages.insert(f.message(in: t.id, instance: t.instance.id))
                _ = try await tx.auditEvents.insert(f.auditEvent(in: t.id))
                var changed = existing
                changed.name = "changed"
                _ = try await tx.contacts.update(changed)
                try await tx.templates.delete(t.template.id, in: t.id)
                var admin = t.admin
                admin.role = .viewer
                _ = try await tx.members.update(admin)
                throw Boom(tag: "rollback")
            }
            throw ContractViolation(message: "the body's error was swallowed", location: #fileID)
        } catch is Boom {}

        try await store.transaction(scope) { tx in
            try check(try await tx.contacts.find(doomed.id, in: t.id) == nil, "inserted contact rolled back")
            try check(try await tx.contacts.find(existing.id, in: t.id) == existing, "updated contact rolled back")
            try check(try await tx.templates.find(t.template.id, in: t.id) == t.template, "deleted template restored")
            try check(try await tx.members.find(t.admin.id, in: t.id) == t.admin, "member update rolled back")
            try check(try await tx.messages.count(in: t.id, where: .init()) == 0, "message insert rolled back")
            try check(try await tx.auditEvents.count(in: t.id, where: .init()) == 0, "audit insert rolled back")
            // The rolled-back unique keys are free again and the restored ones are taken again.
            _ = try await tx.contacts.insert(f.contact(in: t.id, phone: doomed.phone))
            try await checkThrows(.alreadyExists, field: "name", "restored template keeps its name") {
                try await tx.templates.insert(f.template(in: t.id, name: t.template.name))
            }
        }
    }

    private static func bodyErrorPropagates(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        do {
            try await store.transaction(.organization(t.id)) { _ in throw Boom(tag: "mine") }
            throw ContractViolation(message: "nothing was thrown", location: #fileID)
        } catch let boom as Boom {
            try check(boom.tag == "mine", "the caller receives the body's own error")
        }
        let value = try await store.transaction(.organization(t.id)) { _ in 42 }
        try check(value == 42, "the body's result is returned")
    }

    private static func commitKeepsEverything(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let (contact, message) = try await store.transaction(scope) { tx in
            let c = try await tx.contacts.insert(f.contact(in: t.id))
            let m = try await tx.messages.insert(f.message(in: t.id, instance: t.instance.id))
            _ = try await tx.auditEvents.insert(f.auditEvent(in: t.id))
            return (c, m)
        }
        try await store.transaction(scope) { tx in
            try check(try await tx.contacts.find(contact.id, in: t.id) == contact, "contact committed")
            try check(try await tx.messages.find(message.id, in: t.id) == message, "message committed")
            try check(try await tx.auditEvents.count(in: t.id, where: .init()) == 1, "audit event committed")
        }
    }

    private static func caughtFailure(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let kept = f.contact(in: t.id)
        try await store.transaction(scope) { tx in
            _ = try await tx.contacts.insert(kept)
            do {
                _ = try await tx.members.insert(f.member(in: t.id, email: t.admin.email))
                throw ContractViolation(message: "duplicate e-mail accepted", location: #fileID)
            } catch let error as WAError where error.code == .alreadyExists {}
            _ = try await tx.contacts.insert(f.contact(in: t.id))
        }
        let count = try await store.transaction(scope) { try await $0.contacts.count(in: t.id, where: .init()) }
        try check(count == 2, "both contacts around the refused insert committed (\(count))")
    }

    private static func auditIsAppendOnly(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let event = try await store.transaction(scope) { try await $0.auditEvents.insert(f.auditEvent(in: t.id)) }
        var edited = event
        edited.action = "nothing.happened"
        try await checkThrows(.immutableRecord, "editing the audit log") {
            try await store.transaction(scope) { try await $0.auditEvents.update(edited) }
        }
        try await checkThrows(.immutableRecord, "deleting from the audit log") {
            try await store.transaction(scope) { try await $0.auditEvents.delete(event.id, in: t.id) }
        }
    }

    /// What ``Store/rateLimits`` committed is what ``StoreTransaction/rateLimits`` reads: a quota used up outside
    /// refuses inside, an expired state reads as none, and the read changes nothing.
    private static func rateLimitsThroughTransaction(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let key = RateLimitKey.organizationMessages(t.id)
        let quota = try DailyQuota(limit: 3)
        let now = RateLimitInstant(f.now())
        let before = try await store.transaction(.organization(t.id)) { tx in
            try await tx.rateLimits.check(key, quota: quota, now: now)
        }
        try check(before.isAllowed && before.status.remaining == 2, "a fresh quota admits: \(before)")
        for _ in 0..<3 { _ = try await store.rateLimits.consume(key, quota: quota, now: now) }
        let (after, state) = try await store.transaction(.organization(t.id)) { tx in
            (try await tx.rateLimits.check(key, quota: quota, now: now), try await tx.rateLimits.state(of: key, now: now))
        }
        try check(!after.isAllowed && after.retryAfter != nil, "a used-up quota refuses through the transaction")
        try check(state?.dailyQuota?.used == 3, "the transaction reads the committed count: \(String(describing: state))")
        let stillUsed = try await store.rateLimits.consume(key, quota: quota, quantity: 0, now: now)
        try check(stillUsed.status.remaining == 0, "reading through the transaction counted nothing")
        let tomorrow = RateLimitInstant(f.now().addingTimeInterval(86_400))
        let expired = try await store.transaction(.organization(t.id)) { tx in
            try await tx.rateLimits.state(of: key, now: tomorrow)
        }
        try check(expired == nil, "a state past its expiry reads as none")
    }
}
