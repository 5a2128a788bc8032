import Foundation

// MARK: - Groups

extension SimulatorState {
    /// Creates a group of `owner` and `members` (who must all be on the network, and at least one besides the owner)
    /// and returns its JID (`120363` and 12 more digits, as new WhatsApp groups have).
    mutating func createGroup(
        subject: String, description: String?, owner: PhoneNumber, members: [PhoneNumber], admins: [PhoneNumber]
    ) throws(WAError) -> JID {
        let subject = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, subject.count <= 100 else {
            throw WAError.invalid("subject", "a group's subject is 1–100 characters")
        }
        var everyone = [owner]
        for member in members where !everyone.contains(member) { everyone.append(member) }
        for member in everyone where accounts[member].map({ !$0.isBanned }) != true {
            throw WAError(.recipientNotOnWhatsApp, "\(member) is not on the simulated network", field: "members")
        }
        guard everyone.count >= 2 else { throw WAError.invalid("members", "a group needs a member besides its owner") }
        guard admins.allSatisfy(everyone.contains) else {
            throw WAError.invalid("admins", "admins must be members of the group")
        }
        var jid: JID
        repeat {
            let digits = String(random.next() % 1_000_000_000_000).leftPadded(to: 12)
            jid = try JID(user: "120363" + digits, server: .group)
        } while groups[jid] != nil
        groups[jid] = Group(
            subject: subject, description: description, owner: owner, admins: Set(admins + [owner]),
            members: everyone, createdAt: now)
        return jid
    }

    /// Adds `phone` to group `jid` (a member already in it stays as it is).
    mutating func addToGroup(_ jid: JID, _ phone: PhoneNumber) throws(WAError) {
        guard groups[jid] != nil else { throw WAError(.notFound, "no group \(jid) on the simulated network", field: "group") }
        guard accounts[phone].map({ !$0.isBanned }) == true else {
            throw WAError(.recipientNotOnWhatsApp, "\(phone) is not on the simulated network", field: "phone")
        }
        if groups[jid]?.members.contains(phone) == false { groups[jid]?.members.append(phone) }
    }

    /// Takes `phone` out of group `jid` (it no longer receives or sends its messages).
    mutating func removeFromGroup(_ jid: JID, _ phone: PhoneNumber) throws(WAError) {
        guard var group = groups[jid] else {
            throw WAError(.notFound, "no group \(jid) on the simulated network", field: "group")
        }
        group.members.removeAll { $0 == phone }
        group.admins.remove(phone)
        groups[jid] = group
    }

    /// Group `jid` as its members' sessions see it.
    func groupInfo(_ jid: JID) -> GroupInfo? {
        guard let group = groups[jid] else { return nil }
        let participants = group.members.map { member in
            GroupParticipant(
                jid: member.jid,
                role: member == group.owner ? .superAdmin : group.admins.contains(member) ? .admin : .member)
        }
        return GroupInfo(
            jid: jid, subject: group.subject, description: group.description, owner: group.owner.jid,
            createdAt: group.createdAt, participants: participants)
    }

    /// The groups `phone` is a member of, by JID.
    func groups(of phone: PhoneNumber) -> [GroupInfo] {
        groups.filter { $0.value.members.contains(phone) }.keys.sorted().compactMap(groupInfo)
    }
}
