import Foundation
import WACore

extension RepositoryContract {
    static var memberCases: [Case] {
        [
            Case("members: the session epoch starts at 0 and is stored with every write", sessionEpoch),
            Case("members: a stale write cannot move the session epoch back", staleSessionEpoch),
        ]
    }

    private static func sessionEpoch(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let inserted = try await store.transaction(scope) { try await $0.members.insert(f.member(in: t.id)) }
        try check(inserted.sessionEpoch == 0, "a new member's session epoch is 0, got \(inserted.sessionEpoch)")
        var changed = inserted
        changed.sessionEpoch = 41
        changed.role = .manager
        _ = try await store.transaction(scope) { try await $0.members.update(changed) }
        let moved = try await store.transaction(scope) { tx in
            try await tx.members.modify(inserted.id, in: t.id) { $0.sessionEpoch += 1 }
        }
        try check(moved.sessionEpoch == 42, "an update stores the epoch it writes, got \(moved.sessionEpoch)")
        let read = try await store.transaction(scope) { tx in
            (
                try await tx.members.find(inserted.id, in: t.id),
                try await tx.members.find(email: inserted.email, in: t.id),
                try await tx.members.list(in: t.id, where: .init(role: .manager), page: .all).items
            )
        }
        try check(read.0?.sessionEpoch == 42, "find by id reads the epoch")
        try check(read.1?.sessionEpoch == 42, "find by e-mail reads the epoch")
        try check(read.2.map(\.sessionEpoch) == [42], "a list reads the epoch")
        let admin = try await store.transaction(scope) { try await $0.members.get(t.admin.id, in: t.id) }
        try check(admin.sessionEpoch == 0, "another member's epoch is its own")
    }

    /// Optimistic versions refuse a write from a read taken before the epoch moved, so an ended session cannot come
    /// back through a concurrent update that still holds the old epoch.
    private static func staleSessionEpoch(_ store: any Store, _ f: Fixtures) async throws {
        let t = try await TenantFixture.create(in: store, using: f)
        let scope = TransactionScope.organization(t.id)
        let before = try await store.transaction(scope) { try await $0.members.get(t.admin.id, in: t.id) }
        _ = try await store.transaction(scope) { tx in
            try await tx.members.modify(t.admin.id, in: t.id) { $0.sessionEpoch += 1 }
        }
        var stale = before
        stale.displayName = "Renamed"
        try await checkThrows(.versionConflict, "a write from before the epoch moved") {
            try await store.transaction(scope) { try await $0.members.update(stale) }
        }
        let after = try await store.transaction(scope) { try await $0.members.get(t.admin.id, in: t.id) }
        try check(after.sessionEpoch == 1 && after.displayName == t.admin.displayName, "the epoch stayed forward")
    }
}
