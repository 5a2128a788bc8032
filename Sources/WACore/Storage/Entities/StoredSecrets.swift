public import Foundation

extension SealedSessionArchive: StoredEntity {
    public static var entityName: String { "session_archive" }
    public typealias Filter = NoFilter<SealedSessionArchive>
}

extension MemberCredential: StoredEntity {
    public static var entityName: String { "member_credential" }
    public typealias Filter = NoFilter<MemberCredential>
}

extension Repository where Entity == SealedSessionArchive {
    /// The instance's sealed archive, or `nil` when it has none.
    public func sealed(of instance: InstanceID, in organization: OrganizationID) async throws(WAError) -> [UInt8]? {
        try await find(instance.retyped(), in: organization)?.sealed
    }

    /// Stores `sealed` as the instance's archive, replacing any stored before.
    public func replace(
        _ sealed: [UInt8], of instance: InstanceID, in organization: OrganizationID, at now: Date
    ) async throws(WAError) {
        if var stored = try await find(instance.retyped(), in: organization) {
            stored.sealed = sealed
            stored.updatedAt = now
            _ = try await update(stored)
        } else {
            _ = try await insert(
                SealedSessionArchive(instanceID: instance, organizationID: organization, sealed: sealed, updatedAt: now))
        }
    }

    /// Removes the instance's archive; nothing happens when it has none.
    public func remove(of instance: InstanceID, in organization: OrganizationID) async throws(WAError) {
        if try await find(instance.retyped(), in: organization) != nil {
            try await delete(instance.retyped(), in: organization)
        }
    }
}

extension Repository where Entity == MemberCredential {
    /// The member's password hash, or `nil` while they have no password (a pending invitation).
    public func passwordHash(of member: MemberID, in organization: OrganizationID) async throws(WAError) -> String? {
        try await find(member.retyped(), in: organization)?.passwordHash
    }

    /// Stores `hash` as the member's password hash, replacing any stored before.
    public func setPasswordHash(
        _ hash: String, of member: MemberID, in organization: OrganizationID, at now: Date
    ) async throws(WAError) {
        if var stored = try await find(member.retyped(), in: organization) {
            stored.passwordHash = hash
            stored.updatedAt = now
            _ = try await update(stored)
        } else {
            _ = try await insert(
                MemberCredential(memberID: member, organizationID: organization, passwordHash: hash, updatedAt: now))
        }
    }

    /// Removes the member's password hash, if any (the member is removed).
    public func removePasswordHash(of member: MemberID, in organization: OrganizationID) async throws(WAError) {
        if try await find(member.retyped(), in: organization) != nil {
            try await delete(member.retyped(), in: organization)
        }
    }
}
