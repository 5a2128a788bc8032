import Logging

extension MediaService {
    /// Deletes the records of `objects` in `tx` and gives their bytes back to the organization's quota in the
    /// same transaction (``Organization/mediaBytesUsed``). The bytes go after the commit, with
    /// ``removeBytes(of:in:_:)``. Every deletion of media goes through here: one by one, by erasure, by retention.
    static func deleteRecords(_ objects: [MediaObject], in org: OrganizationID, _ tx: any StoreTransaction)
        async throws
    {
        guard !objects.isEmpty else { return }
        for object in objects { try await tx.mediaObjects.delete(object.id, in: org) }
        var organization = try await tx.organizations.get(org, in: org)
        organization.mediaBytesUsed = MediaQuota.usage(
            organization.mediaBytesUsed, afterDeleting: objects.reduce(0) { $0 + $1.byteCount })
        _ = try await tx.organizations.update(organization)
    }

    /// Removes the bytes of media whose records a committed transaction deleted. Best effort: the deletion stands
    /// either way, and bytes that stay behind are unreferenced (as after a crash during an upload) and cost only
    /// storage.
    static func removeBytes(of ids: [MediaObjectID], in org: OrganizationID, _ env: ServiceEnvironment) async {
        for id in ids {
            await env.bestEffort("removing the bytes of deleted media", ["organization_id": "\(org)", "media_id": "\(id)"]) {
                try await env.media.remove(id, in: org)
            }
        }
    }
}
