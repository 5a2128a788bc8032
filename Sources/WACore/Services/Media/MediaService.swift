import Crypto
import Logging

/// Media files: upload (checked by content against ``ServiceEnvironment/mediaPolicy`` and counted against the
/// organization's storage quota), read, list, usage and delete.
///
/// Metadata is a ``MediaObject`` in the ``Store``; the bytes live in ``ServiceEnvironment/media``. The
/// organization's ``Organization/mediaBytesUsed`` counter changes in the same transaction as the metadata, so
/// the quota holds under concurrent uploads: the organization row's optimistic version makes one of two racing
/// uploads start over (up to three times, then `version_conflict`) instead of both fitting.
public struct MediaService: Sendable {
    private let env: ServiceEnvironment

    /// A service over `environment`, of which it uses the store, clock, identifier generator, access policy, media store, media policy and logger.
    public init(environment: ServiceEnvironment) { self.env = environment }

    /// An organization's media storage: what it uses, what it may use, and what is left.
    public struct Usage: Sendable, Hashable, Codable {
        /// Bytes stored (``Organization/mediaBytesUsed``).
        public var usedBytes: Int64
        /// The quota (``PlanLimits/mediaStorageBytes`` of the limits in force).
        public var limitBytes: Int64
        /// Bytes still free (never negative, also when a lowered limit is below the usage).
        public var availableBytes: Int64

        public init(usedBytes: Int64, limitBytes: Int64, availableBytes: Int64) {
            self.usedBytes = usedBytes
            self.limitBytes = limitBytes
            self.availableBytes = availableBytes
        }
    }

    /// Stores a file after checking it, and returns its metadata.
    ///
    /// The checks run before anything is written: ``MediaPolicy/evaluate(prefix:byteCount:declaredMIMEType:kind:fileName:)``
    /// (empty file, unsupported or truncated content, declared type or kind against content, allow-list, size cap
    /// for the kind), the whole-file inspection (``MediaInspection``: truncated, malformed, decompression bombs,
    /// trailing data), then, in the transaction that records the object, the storage quota. The stored
    /// ``MediaObject/mimeType`` is the one established from the content, never the declared one.
    ///
    /// The bytes are written to the media store before the transaction commits the metadata; if the transaction
    /// fails (over quota, conflict, storage error) the bytes are removed again, so a refused upload leaves nothing
    /// behind. A crash between the two steps can leave bytes without metadata: no id refers to them, so they are
    /// invisible and count against no quota.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - declaredMIMEType: the client's type; `nil`, empty or `application/octet-stream` mean "unknown".
    ///   - kind: the message kind to send it as; `nil` picks the type's default.
    ///   - fileName: the client's file name, sanitised (see ``MediaFileName``); kept for documents.
    /// - Throws: the ``MediaPolicy`` errors (`media_empty`, `media_unsupported_type`, `media_truncated_header`,
    ///   `media_active_content`, `media_type_mismatch`, `media_type_not_allowed`, `media_too_large`), the
    ///   inspection's (`media_truncated`, `media_malformed`, `media_decompression_bomb`, `media_unsafe_path`,
    ///   `media_trailing_data`), `media_over_quota`, or
    ///   `permission_denied` without ``Permission/mediaUpload``.
    public func upload(
        _ bytes: [UInt8], declaredMIMEType: String?, kind: Message.Kind? = nil, fileName: String? = nil,
        by principal: Principal
    ) async throws -> MediaObject {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaUpload, on: .organization(org))
        var accepted = try env.mediaPolicy.evaluate(
            prefix: bytes, byteCount: Int64(bytes.count), declaredMIMEType: declaredMIMEType, kind: kind,
            fileName: fileName)
        var inspection = env.mediaPolicy.inspection(of: accepted)
        try inspection.consume(bytes)
        accepted.sniffed = try inspection.finish()
        let object = MediaObject(
            id: env.ids.make(), organizationID: org, mimeType: accepted.mimeType, kind: accepted.kind,
            byteCount: accepted.byteCount, sha256: HexCoding.encode(Array(SHA256.hash(data: bytes))),
            fileName: accepted.fileName, createdAt: env.clock.now())
        do {
            try await env.media.put(bytes, for: object.id, in: org)
            return try await env.transaction(by: principal, retryingConflicts: 3) { tx in
                var organization = try await tx.organizations.get(org, in: org)
                organization.mediaBytesUsed = try MediaQuota(organization: organization).reserve(
                    currentUsage: organization.mediaBytesUsed, uploadBytes: object.byteCount)
                _ = try await tx.organizations.update(organization)
                let stored = try await tx.mediaObjects.insert(object)
                _ = try await tx.auditEvents.insert(audit("media.uploaded", stored, principal))
                return stored
            }
        } catch {
            // Best effort: the upload's own error is the one to report; bytes that stay are unreferenced.
            await env.bestEffort("removing the bytes of a failed upload", ["organization_id": "\(org)", "media_id": "\(object.id)"]) {
                try await env.media.remove(object.id, in: org)
            }
            throw error
        }
    }

    /// The metadata of a media object; `not_found` for another organization's id.
    public func get(_ id: MediaObjectID, by principal: Principal) async throws -> MediaObject {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.mediaObjects.get(id, in: org) }
    }

    /// A media object's metadata and bytes; `not_found` for another organization's id.
    public func bytes(of id: MediaObjectID, by principal: Principal) async throws -> (MediaObject, [UInt8]) {
        let object = try await get(id, by: principal)
        return (object, try await env.media.bytes(of: id, in: object.organizationID))
    }

    /// A page of the organization's media objects (metadata only).
    public func list(by principal: Principal, page: PageRequest = .first) async throws -> Page<MediaObject> {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaRead, on: .organization(org))
        return try await env.transaction(by: principal) {
            try await $0.mediaObjects.list(in: org, page: page)
        }
    }

    /// The organization's media storage usage against its quota.
    public func usage(by principal: Principal) async throws -> Usage {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaRead, on: .organization(org))
        let organization = try await env.transaction(by: principal) {
            try await $0.organizations.get(org, in: org)
        }
        let quota = MediaQuota(organization: organization)
        return Usage(
            usedBytes: organization.mediaBytesUsed, limitBytes: quota.limitBytes,
            availableBytes: quota.available(currentUsage: organization.mediaBytesUsed))
    }

    /// Deletes a media object and gives its bytes back to the quota, in one transaction; the bytes are removed
    /// from the media store after it commits. `not_found` for another organization's id.
    ///
    /// Messages that already refer to the object keep their ``Message/MediaReference``; sending one that is still
    /// queued fails when its bytes are gone. If removing the bytes fails after the commit, the deletion still
    /// stands and the bytes stay behind unreferenced (as after a crash during ``upload(_:declaredMIMEType:kind:fileName:by:)``).
    public func delete(_ id: MediaObjectID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaDelete, on: .organization(org))
        try await env.transaction(by: principal, retryingConflicts: 3) { tx in
            let object = try await tx.mediaObjects.get(id, in: org)
            try await Self.deleteRecords([object], in: org, tx)
            _ = try await tx.auditEvents.insert(audit("media.deleted", object, principal))
        }
        await Self.removeBytes(of: [id], in: org, env)
    }

    // MARK: Internals

    /// An audit event describing the object (type, kind, size), never its content or file name.
    private func audit(_ action: String, _ object: MediaObject, _ principal: Principal) -> AuditEvent {
        env.auditEvent(
            action, by: principal.auditActor, in: principal.organizationID, resourceType: "media",
            resourceID: object.id.description,
            metadata: [
                "mime_type": object.mimeType, "kind": object.kind.rawValue, "byte_count": String(object.byteCount),
            ])
    }
}
