import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Group {
    init(_ group: GroupInfo) {
        self.init(
            jid: group.jid.description, subject: group.subject, description: group.description,
            owner: group.owner?.description, createdAt: group.createdAt, announcementOnly: group.isAnnouncement,
            participants: group.participants.map { .init($0) })
    }
}

extension Components.Schemas.GroupParticipant {
    init(_ participant: WACore.GroupParticipant) {
        let role: RolePayload =
            switch participant.role {
            case .member: .member
            case .admin: .admin
            case .superAdmin: .superAdmin
            }
        self.init(jid: participant.jid.description, phoneJid: participant.phoneJID?.description, role: role)
    }
}
