import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Member {
    /// The member as the API shows it: no password hash (a member record has none), no session epoch, and of an
    /// outstanding invitation only whether it is there and when it ends, never its token or digest.
    init(_ member: WACore.Member) {
        let invitation = member.credentialToken.flatMap { $0.purpose == .invitation ? $0 : nil }
        self.init(
            id: member.id.description, email: member.email, displayName: member.displayName, role: .init(member.role),
            active: member.isActive, assignedInstanceIds: member.assignedInstances.sorted().map(\.description),
            invitationPending: invitation != nil, invitationExpiresAt: invitation?.expiresAt,
            lastSignInAt: member.lastSignInAt, createdAt: member.createdAt, updatedAt: member.updatedAt,
            version: member.version)
    }
}
