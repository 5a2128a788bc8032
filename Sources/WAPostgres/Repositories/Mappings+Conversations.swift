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
        if let instances = filter.instanceIDs {
            sql.append(" AND instance_id = ANY(")
            sql.append(bound: .ids(instances))
            sql.append(")")
        }
        if let isArchived = filter.isArchived { sql.whereEqual("is_archived", .boolean(isArchived)) }
        if let contact = filter.contactID { sql.whereEqual("contact_id", .id(contact)) }
    }
    static func uniqueColumns(of key: String) -> [String] { key == "jid" ? ["instance_id", "jid"] : [] }
}

/// `messages`: idempotency keys and WhatsApp ids unique per instance.
enum MessageMapping: PostgresEntityMapping {
    typealias Entity = Message
    static let table = "messages"
    static func columns(of m: Message) -> [(name: String, value: SQLValue)] {
        [
            ("instance_id", .id(m.instanceID)), ("chat_jid", .text(m.chatJID.description)),
            ("contact_id", .id(m.contactID)), ("campaign_id", .id(m.campaignID)),
            ("direction", .text(m.direction.rawValue)), ("status", .text(m.status.rawValue)), ("body", .text(m.body)),
            ("idempotency_key", .text(m.idempotencyKey)), ("whatsapp_id", .text(m.whatsappID)),
            ("created_at", .date(m.createdAt)), ("sent_at", .date(m.timestamps.sentAt)),
            ("replied_at", .date(m.timestamps.repliedAt)),
        ]
    }
    static func conditions(_ filter: Message.Filter, into sql: inout SQLBuilder) {
        if let instance = filter.instanceID { sql.whereEqual("instance_id", .id(instance)) }
        if let instances = filter.instanceIDs {
            sql.append(" AND instance_id = ANY(")
            sql.append(bound: .ids(instances))
            sql.append(")")
        }
        if let chat = filter.chatJID { sql.whereEqual("chat_jid", .text(chat.description)) }
        if let contact = filter.contactID { sql.whereEqual("contact_id", .id(contact)) }
        if let campaign = filter.campaignID { sql.whereEqual("campaign_id", .id(campaign)) }
        if let direction = filter.direction { sql.whereEqual("direction", .text(direction.rawValue)) }
        if let status = filter.status { sql.whereEqual("status", .text(status.rawValue)) }
        if let since = filter.since {
            sql.append(" AND created_at >= ")
            sql.append(bound: .date(since))
        }
        if let until = filter.until {
            sql.append(" AND created_at < ")
            sql.append(bound: .date(until))
        }
        if let search = filter.search, !search.isEmpty {
            sql.append(" AND strpos(lower(body), ")
            sql.append(bound: .text(search.lowercased()))
            sql.append(") > 0")
        }
    }
    static func uniqueColumns(of key: String) -> [String] {
        switch key {
        case "idempotency_key": ["instance_id", "idempotency_key"]
        case "whatsapp_id": ["instance_id", "whatsapp_id"]
        default: []
        }
    }
}
