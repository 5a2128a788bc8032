import Crypto
import Foundation
import Logging

/// The second half of receiving a media message: the ``MessageEventHandler`` stores the message with its
/// ``Message/MediaDownload`` and queues a `message.media` job; the ``MessageDispatcher`` downloads the bytes through
/// the instance's session and hands them here, which stores them (``store(_:for:in:)``) or records that the download
/// was given up (``giveUp(_:in:reason:)``).
struct InboundMedia: Sendable {
    let env: ServiceEnvironment
    let webhooks: (any WebhookPublisher)?

    /// How long a download is tried (the instance may be down or another node's): WhatsApp keeps media about two
    /// weeks; after a week the job gives up.
    static let deadline: Duration = .seconds(7 * 86_400)

    /// Queues the download of `message`'s media in `tx`, in the instance's lane.
    static func enqueueDownload(of message: Message, in tx: any StoreTransaction, _ env: ServiceEnvironment, now: Date)
        async throws
    {
        _ = try await tx.jobs.enqueue(
            Job(
                id: env.ids.make(), organizationID: message.organizationID, queue: MessagingService.mediaQueue,
                payload: Job.encodePayload(MediaJobPayload(instance: message.instanceID, message: message.id)),
                maxAttempts: 20, scheduledAt: now, uniqueKey: "media/\(message.id)",
                lane: Job.instanceLane(message.instanceID), createdAt: now))
    }

    /// Stores downloaded bytes as the message's media: the bytes go to the media store first, then the
    /// ``MediaObject``, the organization's usage (received media counts even past the quota: what arrives cannot be
    /// refused) and the message's ``Message/media`` are written in one transaction with `message.media_stored`.
    /// Returns the message, or `nil` when it is gone or its media was stored or given up before (the bytes are then
    /// removed again).
    func store(_ bytes: [UInt8], for id: MessageID, in org: OrganizationID) async throws -> Message? {
        let now = env.clock.now()
        let object: MediaObject
        do {
            guard let download = try await env.store.transaction(.organization(org), { tx in
                try await tx.messages.find(id, in: org)?.mediaDownload
            }), download.failure == nil
            else { return nil }
            object = try await put(bytes, as: download.media, org, now)
        }
        do {
            let stored = try await env.store.transaction(.organization(org), retryingConflicts: 3) { tx -> Message? in
                guard let message = try await tx.messages.find(id, in: org), message.media == nil,
                    let download = message.mediaDownload, download.failure == nil
                else { return nil }
                var organization = try await tx.organizations.get(org, in: org)
                let (usage, overflow) = organization.mediaBytesUsed.addingReportingOverflow(object.byteCount)
                organization.mediaBytesUsed = overflow ? .max : usage
                _ = try await tx.organizations.update(organization)
                _ = try await tx.mediaObjects.insert(object)
                return try await MessageChange.record(
                    message, publishing: .messageMediaStored, data: MessageEventData.json, in: tx, webhooks: webhooks,
                    ids: env.ids, now: now
                ) { message, _ in
                    message.media = Message.MediaReference(
                        mediaID: object.id, mimeType: object.mimeType, fileName: object.fileName,
                        byteCount: object.byteCount)
                    message.mediaDownload = nil
                    return true
                }
            }
            if stored == nil { await removeOrphaned(object, org) }
            return stored
        } catch {
            await removeOrphaned(object, org)
            throw error
        }
    }

    /// Records that the message's media will not be downloaded, and why (`message.media_failed`). Returns the
    /// message, or `nil` when it is gone or its media was stored or given up before.
    func giveUp(_ id: MessageID, in org: OrganizationID, reason: String) async throws -> Message? {
        let now = env.clock.now()
        return try await env.store.transaction(.organization(org), retryingConflicts: 3) { tx -> Message? in
            try await MessageChange.record(
                try await tx.messages.find(id, in: org), publishing: .messageMediaFailed, data: MessageEventData.json,
                in: tx, webhooks: webhooks, ids: env.ids, now: now
            ) { message, now in
                guard message.media == nil, var download = message.mediaDownload, download.failure == nil else {
                    return false
                }
                download.failure = reason
                download.failedAt = now
                message.mediaDownload = download
                return true
            }
        }
    }

    /// Puts the bytes into the media store and returns the object to record: its type sniffed from the content (what
    /// the sender declared is kept only for content the sniffer does not recognise: received media is stored as
    /// WhatsApp delivered it, never refused), its SHA-256 and a clean file name.
    private func put(_ bytes: [UInt8], as media: IncomingMedia, _ org: OrganizationID, _ now: Date) async throws
        -> MediaObject
    {
        let mimeType: String
        do {
            mimeType = try MediaSniffer.sniff(file: bytes).type.mimeType
        } catch {
            mimeType = media.mimeType
        }
        let object = MediaObject(
            id: env.ids.make(), organizationID: org, mimeType: mimeType, kind: media.kind,
            byteCount: Int64(bytes.count), sha256: HexCoding.encode(Array(SHA256.hash(data: bytes))),
            fileName: media.fileName.map { MediaFileName.sanitize($0) }, createdAt: now)
        try await env.media.put(bytes, for: object.id, in: org)
        return object
    }

    /// Removes stored bytes whose message did not take them (stored or given up meanwhile, or a failed write).
    private func removeOrphaned(_ object: MediaObject, _ org: OrganizationID) async {
        var metadata = Logger.Metadata.organization(org)
        metadata["media_id"] = "\(object.id)"
        await env.bestEffort("removing the bytes of unrecorded received media", metadata) {
            try await env.media.remove(object.id, in: org)
        }
    }
}

/// The payload of a `message.media` job.
struct MediaJobPayload: Codable, Sendable {
    var instance: InstanceID
    var message: MessageID
}
