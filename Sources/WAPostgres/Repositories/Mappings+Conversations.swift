import WACore

/// `contacts`: the unique keys (phone, and JID and LID in one namespace) live in `contact_keys`
/// (``PostgresContactRepository``).
enum ContactMapping: PostgresEntityMapping {
    typealias Entity = Contact
    static let table = "contacts"
    static func columns(of c: Contact) -> [(name: String, value: SQLValue)] {
        [
            ("phone", .text(c.phone?.e164)), ("jid", .text(c.jid?.description)), ("lid", .text(c.lid?.description)),
            ("name", .text(c.name)), ("tags", .texts(c.tags.sorted())), ("opted_out", .boolean(c.optedOut)),
            ("last_inbound_at", .date(c.lastInboundAt)),
        ]
    }
    static func conditions(_ filter: Contact.Filter, into sql: inout SQLBuilder) {
        if let tag = filter.tag {
            sql.append(" AND ")
            sql.append(bound: .text(tag))
            sql.append(" = ANY(tags)")
        }
        if let optedOut = filter.optedOut { sql.whereEqual("opted_out", .boolean(optedOut)) }
        if let search = filter.search, !search.isEmpty {
            // Case-insensitive in the name (lower-cased on both sides), or a substring of the E.164 number.
            sql.append(" AND (strpos(lower(name), ")
            sql.append(bound: .text(search.lowercased()))
            sql.append(") > 0 OR strpos(phone, ")
            sql.append(bound: .text(search))
            sql.append(") > 0)")
        }
    }
}

/// `chats`: unique per instance and JID.
enum ChatMapping: PostgresEntityMapping {
    typealias Entity = Chat
    static let table = "chats"
    static func columns(of c: Chat) -> [(name: String, value: SQLValue)] {
        [
            ("instance_id", .id(c.instanceID)), ("jid", .text(c.jid.description)), ("contact_id", .id(c.contactID)),
            ("is_archived", .boolean(c.isArchived)), ("unread_count", .integer(c.unreadCount)),
        ]
    }
    static func conditions(_ filter: Chat.Filter, into sql: inout SQLBuilder) {
        if let instance = filter.instanceID { sql.whereEqual("instance_id", .id(instance)) }
        if let isArchived = filter.isArchived { sql.whereEqual("is_archived", .boolean(isArchived)) }
        if let contact = filter.contactID { sql.whereEqual("contact_id", .id(contact)) }
    }
    static func uniqueColumns(of key: String) -> [String] { key == "jid" ? ["instance_id", "jid"] : [] }
}
