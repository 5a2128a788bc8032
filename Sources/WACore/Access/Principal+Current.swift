import Foundation

extension Principal {
    /// The principal as the store describes it now, read inside `tx`: the member's current role, activity and
    /// assignments, or the key's current record and its creator's. The system is always current.
    ///
    /// - Throws: `unauthenticated` when the member is gone or deactivated, the session it was resolved from has
    ///   ended (its epoch is no longer the member's), or the key is revoked, expired or gone: whoever holds such a
    ///   principal must authenticate again.
    static func current(_ principal: Principal, in tx: any StoreTransaction, at now: Date) async throws -> Principal {
        let org = principal.organizationID
        switch principal.kind {
        case .system:
            return principal
        case .member(let id):
            guard let member = try await tx.members.find(id, in: org), member.isActive else {
                throw WAError(.unauthenticated, "the member is no longer active; sign in again")
            }
            if let epoch = principal.sessionEpoch, epoch != member.sessionEpoch { throw Self.sessionEnded }
            return .member(member, sessionEpoch: principal.sessionEpoch)
        case .apiKey(let id, let creatorID):
            guard let key = try await tx.apiKeys.find(id, in: org), key.createdBy == creatorID, key.isUsable(at: now),
                let creator = try await tx.members.find(creatorID, in: org), creator.isActive
            else {
                throw WAError(.unauthenticated, "the API key is no longer valid")
            }
            return .apiKey(key, creator: creator)
        }
    }

    /// What a session whose epoch is no longer its member's gets.
    static let sessionEnded = WAError(.unauthenticated, "the session has ended; sign in again")

    /// Checks, inside `tx`, that this principal still stands: its member (or its key and the key's creator) is
    /// active and holds at least what it claims.
    ///
    /// - Throws: `unauthenticated` when the member is gone or deactivated or the key no longer valid;
    ///   `permission_denied` when the principal claims more than the member (or key) now holds.
    func requireCurrent(in tx: any StoreTransaction, at now: Date) async throws {
        let current = try await Principal.current(self, in: tx, at: now)
        guard current.covers(self) else {
            throw WAError(.permissionDenied, "your access has changed; authenticate again")
        }
    }

    /// Whether `self` (a principal as stored now) may do everything `other` (the same actor, as presented) may:
    /// active, the same actor, no lower role, every permission, and, for an agent, every instance. Access
    /// decisions only grow with these, so a request ``AccessPolicy`` allowed for `other` is allowed for `self`.
    func covers(_ other: Principal) -> Bool {
        guard isActive, kind == other.kind, organizationID == other.organizationID, other.role <= role,
            other.permissions.isSubset(of: permissions)
        else { return false }
        guard role.isRestrictedToAssignedInstances else { return true }
        return other.role.isRestrictedToAssignedInstances && other.assignedInstances.isSubset(of: assignedInstances)
    }
}

extension Store {
    /// Runs `body` in a transaction for `principal`'s organization, after checking inside it that the principal
    /// still stands: its member (or its key and the key's creator) is active and holds at least what the principal
    /// claims. This is where every service re-checks the principal it was handed, so one built before its member
    /// was deactivated or demoted, or before its key was revoked, no longer acts.
    ///
    /// - Throws: `unauthenticated` when the member is gone or deactivated or the key no longer valid;
    ///   `permission_denied` when the principal claims more than the member (or key) now holds.
    func transaction<Result>(
        by principal: Principal, at now: Date, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        try await transaction(.organization(principal.organizationID)) { tx in
            try await principal.requireCurrent(in: tx, at: now)
            return try await body(tx)
        }
    }
}
