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

    /// Stores a file already in memory after checking it, and returns its metadata: the streaming
    /// ``upload(chunks:byteCount:declaredMIMEType:kind:fileName:by:)`` over `bytes` in chunks.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - declaredMIMEType: the client's type; `nil`, empty or `application/octet-stream` mean "unknown".
    ///   - kind: the message kind to send it as; `nil` picks the type's default.
    ///   - fileName: the client's file name, sanitised (see ``MediaFileName``); kept for documents.
    /// - Throws: as the streaming upload.
    public func upload(
        _ bytes: [UInt8], declaredMIMEType: String?, kind: Message.Kind? = nil, fileName: String? = nil,
        by principal: Principal
    ) async throws -> MediaObject {
        try await upload(
            chunks: MediaChunks(bytes), byteCount: Int64(bytes.count), declaredMIMEType: declaredMIMEType, kind: kind,
            fileName: fileName, by: principal)
    }

    /// Stores a file that arrives in chunks after checking it, and returns its metadata; memory does not grow with
    /// the file.
    ///
    /// The checks: first, on the file's first bytes (``MediaSniffer/recommendedPrefixLength``) and its announced
    /// `byteCount`, ``MediaPolicy/evaluate(prefix:byteCount:declaredMIMEType:kind:fileName:)`` (empty file,
    /// unsupported or truncated content, declared type or kind against content, allow-list, size cap for the
    /// kind), before anything is written. Then every chunk, on its way to the media store
    /// (``MediaStore/write(_:in:from:)``), goes through the whole-file inspection (``MediaInspection``: truncated,
    /// malformed, decompression bombs, trailing data), the SHA-256 and the count, which must end at `byteCount`
    /// exactly. A refusal there fails the write, which keeps nothing. Last, in the transaction that records the
    /// object, the storage quota. The stored ``MediaObject/mimeType`` is the one established from the content, never
    /// the declared one.
    ///
    /// If the transaction fails (over quota, conflict, storage error) or the store fails, the written bytes are
    /// removed again, so a refused upload leaves nothing behind. A crash between the two steps can leave bytes
    /// without metadata: no id refers to them, so they are invisible and count against no quota.
    ///
    /// - Parameters:
    ///   - chunks: the file's bytes, in order (read once).
    ///   - byteCount: the file's length as announced (an HTTP `Content-Length`); the chunks must add up to it.
    ///   - declaredMIMEType: the client's type; `nil`, empty or `application/octet-stream` mean "unknown".
    ///   - kind: the message kind to send it as; `nil` picks the type's default.
    ///   - fileName: the client's file name, sanitised (see ``MediaFileName``); kept for documents.
    /// - Throws: the ``MediaPolicy`` errors (`media_empty`, `media_unsupported_type`, `media_truncated_header`,
    ///   `media_active_content`, `media_type_mismatch`, `media_type_not_allowed`, `media_too_large`), the
    ///   inspection's (`media_truncated`, `media_malformed`, `media_decompression_bomb`, `media_unsafe_path`,
    ///   `media_trailing_data`), `media_truncated` (field `file`) when the chunks end before `byteCount`,
    ///   `invalid_argument` (field `file`) when they go past it, `media_over_quota`, an error of `chunks`, or
    ///   `permission_denied` without ``Permission/mediaUpload``.
    public func upload<Chunks: AsyncSequence>(
        chunks: Chunks, byteCount: Int64, declaredMIMEType: String?, kind: Message.Kind? = nil,
        fileName: String? = nil, by principal: Principal
    ) async throws -> MediaObject where Chunks.Element == [UInt8] {
        let org = principal.organizationID
        try env.policy.require(principal, .mediaUpload, on: .organization(org))
        var iterator = chunks.makeAsyncIterator()
        var prefix: [UInt8] = []
        var ended = false
        while prefix.count < MediaSniffer.recommendedPrefixLength {
            guard let chunk = try await iterator.next(isolation: #isolation) else {
                ended = true
                break
            }
            prefix += chunk
        }
        if ended, Int64(prefix.count) != byteCount {
            throw UploadChunks<Chunks.AsyncIterator>.lengthMismatch(Int64(prefix.count), declared: byteCount)
        }
        var accepted = try env.mediaPolicy.evaluate(
            prefix: prefix.prefix(MediaSniffer.recommendedPrefixLength), byteCount: byteCount,
            declaredMIMEType: declaredMIMEType, kind: kind, fileName: fileName)
        let upload = UploadChunks(
            prefix: prefix, rest: ended ? nil : iterator, byteCount: byteCount,
            inspection: env.mediaPolicy.inspection(of: accepted))
        let id: MediaObjectID = env.ids.make()
        do {
            _ = try await env.media.write(id, in: org, from: upload)
            guard let outcome = upload.outcome else {
                throw WAError(.internalError, "the media store did not read the whole upload")
            }
            accepted.sniffed = outcome.sniffed
            let object = MediaObject(
                id: id, organizationID: org, mimeType: accepted.mimeType, kind: accepted.kind,
                byteCount: accepted.byteCount, sha256: outcome.sha256, fileName: accepted.fileName,
                createdAt: env.clock.now())
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
            // A refusal of the upload's own bytes failed the write, which kept nothing; anything else may have
            // left bytes. Best effort: the upload's own error is the one to report; bytes that stay are
            // unreferenced.
            if !upload.refused {
                await env.bestEffort("removing the bytes of a failed upload", ["organization_id": "\(org)", "media_id": "\(id)"]) {
                    try await env.media.remove(id, in: org)
                }
            }
            throw error
        }
    }

    /// A media object's metadata and its bytes in `range` (all of them when `nil`), streamed in chunks;
    /// `not_found` for another organization's id, `invalid_argument` (field `range`) for a range outside the
    /// object.
    public func content(of id: MediaObjectID, range: Range<Int64>? = nil, by principal: Principal) async throws
        -> (MediaObject, MediaByteStream)
    {
        try await content(of: id, by: principal) { _ in range }
    }

    /// A media object's metadata and its bytes in the range `range` picks once the object is known (a range
    /// relative to its end, say), streamed in chunks. `range` may throw to refuse the request (nothing is read
    /// then). `not_found` for another organization's id, `invalid_argument` (field `range`) for a range outside
    /// the object.
    public func content(
        of id: MediaObjectID, by principal: Principal, range: (MediaObject) throws -> Range<Int64>?
    ) async throws -> (MediaObject, MediaByteStream) {
        let object = try await get(id, by: principal)
        let chosen = try range(object)
        return (object, try await env.media.read(id, in: object.organizationID, range: chosen))
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
    /// stands and the bytes stay behind unreferenced (as after a crash during
    /// ``upload(chunks:byteCount:declaredMIMEType:kind:fileName:by:)``).
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
