/// How the ``Automation/Action/assignMember(_:)`` action records an assignment.
///
/// Contacts and chats have no assignee field, so an assignment is a contact tag `assigned.<member id>` (tags allow
/// letters, digits, `.`, `-`, `_` and spaces; a member id is a 36-character lowercase UUID, so the tag is 45
/// characters). A contact has at most one such tag: assigning replaces the previous one. Lists by assignee use the
/// ordinary tag filter.
public enum AutomationAssignment {
    /// The prefix of assignment tags.
    public static let tagPrefix = "assigned."

    /// The tag that records an assignment to `member`.
    public static func tag(for member: MemberID) -> String { tagPrefix + member.description }

    /// The member a contact is assigned to, if any.
    public static func assignee(of contact: Contact) -> MemberID? {
        contact.tags.lazy.filter { $0.hasPrefix(tagPrefix) }
            .compactMap { MemberID(String($0.dropFirst(tagPrefix.count))) }.first
    }

    /// `tags` with every assignment tag replaced by the one for `member`.
    public static func assigning(_ member: MemberID, in tags: Set<String>) -> Set<String> {
        var result = tags.filter { !$0.hasPrefix(tagPrefix) }
        result.insert(tag(for: member))
        return result
    }
}
