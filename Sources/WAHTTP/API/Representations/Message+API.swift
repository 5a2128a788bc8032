import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Message {
    init(_ m: WACore.Message) {
        let t = m.timestamps
        self.init(
            id: m.id.description, instanceId: m.instanceID.description, chat: m.chatJID.description,
            contactId: m.contactID?.description, author: m.author?.description, direction: .init(m.direction),
            kind: .init(m.kind),
            status: .init(m.status), body: m.body,
            media: m.media.map {
                .init(id: $0.mediaID.description, mimeType: $0.mimeType, fileName: $0.fileName, byteCount: Int($0.byteCount))
            },
            location: m.location.map { .init($0) }, contactCard: m.contactCard, whatsappId: m.whatsappID,
            idempotencyKey: m.idempotencyKey, campaignId: m.campaignID?.description,
            error: m.error.map { .init(code: $0.code, message: $0.message) },
            timestamps: .init(
                queuedAt: t.queuedAt, pendingAt: t.pendingAt, sentAt: t.sentAt, deliveredAt: t.deliveredAt,
                readAt: t.readAt, playedAt: t.playedAt, failedAt: t.failedAt, repliedAt: t.repliedAt),
            mediaDownload: m.mediaDownload.map { .init($0) }, revokedAt: m.revokedAt, editedAt: m.editedAt, reactions: m.reactions.isEmpty ? nil : m.reactions.map { .init($0) },
            scheduledAt: m.scheduledAt, createdAt: m.createdAt, updatedAt: m.updatedAt)
    }
}

extension Components.Schemas.MediaDownload {
    init(_ download: WACore.Message.MediaDownload) {
        self.init(
            kind: .init(download.media.kind), mimeType: download.media.mimeType, fileName: download.media.fileName,
            byteCount: download.media.byteCount.map { Int($0) }, failure: download.failure)
    }
}

extension Components.Schemas.MessageReaction {
    init(_ reaction: WACore.Message.Reaction) {
        self.init(
            sender: reaction.sender.description, fromMe: reaction.fromMe, emoji: reaction.emoji,
            reactedAt: reaction.reactedAt)
    }
}

extension Components.Schemas.Location {
    init(_ location: WACore.Message.Location) {
        self.init(
            latitude: location.latitude, longitude: location.longitude, name: location.name, address: location.address)
    }

    var core: WACore.Message.Location {
        .init(latitude: latitude, longitude: longitude, name: name, address: address)
    }
}

extension Components.Schemas.MessageDirection {
    init(_ direction: WACore.Message.Direction) {
        switch direction {
        case .inbound: self = .inbound
        case .outbound: self = .outbound
        }
    }

    var core: WACore.Message.Direction {
        switch self {
        case .inbound: .inbound
        case .outbound: .outbound
        }
    }
}

extension Components.Schemas.MessageKind {
    init(_ kind: WACore.Message.Kind) {
        switch kind {
        case .text: self = .text
        case .image: self = .image
        case .video: self = .video
        case .audio: self = .audio
        case .voice: self = .voice
        case .document: self = .document
        case .sticker: self = .sticker
        case .location: self = .location
        case .contact: self = .contact
        }
    }
}

extension Components.Schemas.MessageStatus {
    init(_ status: WACore.MessageStatus) {
        switch status {
        case .queued: self = .queued
        case .pending: self = .pending
        case .sent: self = .sent
        case .delivered: self = .delivered
        case .read: self = .read
        case .played: self = .played
        case .failed: self = .failed
        }
    }

    var core: WACore.MessageStatus {
        switch self {
        case .queued: .queued
        case .pending: .pending
        case .sent: .sent
        case .delivered: .delivered
        case .read: .read
        case .played: .played
        case .failed: .failed
        }
    }
}

extension Components.Schemas.SendMessageRequest {
    /// The request in WACore's terms; `idempotencyKey` comes from the header.
    func core(idempotencyKey: String?) throws -> SendMessageRequest {
        let instance: InstanceID = try APIInput.id(instanceId, field: "instance_id")
        let recipient: SendMessageRequest.Recipient
        switch (to, contactId) {
        case (let to?, nil):
            if to.contains("@") {
                do {
                    recipient = .jid(try JID(parsing: to))
                } catch var error {
                    error.field = "to"
                    throw error
                }
            } else {
                recipient = .phone(try APIInput.phone(to, field: "to"))
            }
        case (nil, let contact?):
            recipient = .contact(try APIInput.id(contact, field: "contact_id"))
        default:
            throw WAError.invalid("to", "give exactly one of to and contact_id")
        }
        let content: SendMessageRequest.Content
        switch self.content {
        case .text(let text):
            content = .text(text.text)
        case .media(let media):
            content = .media(
                try APIInput.id(media.mediaId, field: "content.media_id"), kind: media.kind.core, caption: media.caption)
        case .location(let location):
            content = .location(location.location.core)
        case .contact(let card):
            content = .contactCard(name: card.name, vCard: card.vcard)
        case .template(let template):
            content = .template(
                try APIInput.id(template.templateId, field: "content.template_id"),
                variables: template.variables?.additionalProperties ?? [:])
        }
        return SendMessageRequest(
            instanceID: instance, recipient: recipient, content: content, idempotencyKey: idempotencyKey,
            quotedWhatsappID: quotedWhatsappId, scheduledAt: scheduledAt)
    }
}

extension Components.Schemas.MediaContent.KindPayload {
    var core: WACore.Message.Kind {
        switch self {
        case .image: .image
        case .video: .video
        case .audio: .audio
        case .voice: .voice
        case .document: .document
        case .sticker: .sticker
        }
    }
}

extension Message.Filter {
    /// The filter the query parameters of `GET /v1/messages` and `GET /v1/exports/messages` describe.
    static func api(
        instanceID: String?, chat: String?, contactID: String?, campaignID: String? = nil,
        direction: Components.Schemas.MessageDirection?, status: Components.Schemas.MessageStatus?, since: Date?,
        until: Date?, search: String?
    ) throws -> Message.Filter {
        var filter = Message.Filter()
        filter.instanceID = try instanceID.map { try APIInput.id($0, field: "instance_id") }
        filter.chatJID = try chat.map { try JID(apiText: $0, field: "chat") }
        filter.contactID = try contactID.map { try APIInput.id($0, field: "contact_id") }
        filter.campaignID = try campaignID.map { try APIInput.id($0, field: "campaign_id") }
        filter.direction = direction?.core
        filter.status = status?.core
        filter.since = since
        filter.until = until
        filter.search = search
        return filter
    }
}
