import Foundation
import WACore

extension RepositoryContract {
    static var secretRecordCases: [Case] {
        [
            Case("secrets: an instance's sealed archive is its own record, replaced and removed by instance", sessionArchives),
            Case("secrets: a member's password hash is its own record, replaced by member", memberCredentials),
        ]
    }

    private static func sessionArchives(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let (first, second) = (f.random.bytes(72), f.random.bytes(72))
        let none = try await store.transaction(scope) { try await $0.sessionArchives.sealed(of: t.instance.id, in: t.id) }
        try check(none == nil, "an instance starts without an archive")
        try await store.transaction(scope) { tx in
            try await tx.sessionArchives.replace(first, of: t.instance.id, in: t.id, at: f.now())
            try await tx.sessionArchives.replace(second, of: t.instance.id, in: t.id, at: f.now())
        }
        let stored = try await store.transaction(scope) { tx in
            (
                try await tx.sessionArchives.sealed(of: t.instance.id, in: t.id),
                try await tx.sessionArchives.count(in: t.id, where: .init()),
                try await tx.instances.get(t.instance.id, in: t.id)
            )
        }
        try check(stored.0 == second && stored.1 == 1, "replacing keeps one archive per instance, the latest")
        try check(stored.2 == t.instance, "writing the archive leaves the instance record alone")
        try await checkThrows(.alreadyExists, field: "id", "a second archive record for one instance") {
            try await store.transaction(scope) {
                try await $0.sessionArchives.insert(
                    SealedSessionArchive(instanceID: t.instance.id, organizationID: t.id, sealed: first, updatedAt: f.now()))
            }
        }
        try await store.transaction(scope) { tx in
            try await tx.sessionArchives.remove(of: t.instance.id, in: t.id)
            try await tx.sessionArchives.remove(of: t.instance.id, in: t.id)  // removing nothing is no error
        }
        let removed = try await store.transaction(scope) { try await $0.sessionArchives.sealed(of: t.instance.id, in: t.id) }
        try check(removed == nil, "a removed archive is gone")
    }

    private static func memberCredentials(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let none = try await store.transaction(scope) { try await $0.memberCredentials.passwordHash(of: t.admin.id, in: t.id) }
        try check(none == nil, "a member starts without a password hash")
        try await store.transaction(scope) { tx in
            try await tx.memberCredentials.setPasswordHash("$2b$04$first", of: t.admin.id, in: t.id, at: f.now())
            try await tx.memberCredentials.setPasswordHash("$2b$04$second", of: t.admin.id, in: t.id, at: f.now())
        }
        let stored = try await store.transaction(scope) { tx in
            (
                try await tx.memberCredentials.passwordHash(of: t.admin.id, in: t.id),
                try await tx.memberCredentials.count(in: t.id, where: .init()),
                try await tx.members.get(t.admin.id, in: t.id)
            )
        }
        try check(stored.0 == "$2b$04$second" && stored.1 == 1, "replacing keeps one credential per member, the latest")
        try check(stored.2 == t.admin, "writing the hash leaves the member record alone")
        let otherOrganization = try await TenantFixture.create(in: store, using: f)
        let seen = try await store.transaction(.organization(otherOrganization.id)) {
            try await $0.memberCredentials.passwordHash(of: t.admin.id, in: otherOrganization.id)
        }
        try check(seen == nil, "another organization does not see the hash")
    }
}
