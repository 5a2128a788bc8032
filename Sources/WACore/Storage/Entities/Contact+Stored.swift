extension Contact: StoredEntity {
    public static var entityName: String { "contact" }
    public var uniqueKeys: [UniqueKey] {
        var keys: [UniqueKey] = []
        if let phone { keys.append(UniqueKey("phone", phone.e164)) }
        // JID and LID share one namespace: a JID may be stored in either slot but names one contact.
        if let jid { keys.append(UniqueKey("jid", jid.description)) }
        if let lid { keys.append(UniqueKey("jid", lid.description)) }
        return keys
    }

    /// Criteria for listing contacts.
    public struct Filter: EntityFilter {
        /// Contacts carrying this tag (lower-case).
        public var tag: String?
        public var optedOut: Bool?
        /// Case-insensitive substring of the name, or digits of the phone number.
        public var search: String?

        public init() {}
        public init(tag: String? = nil, optedOut: Bool? = nil, search: String? = nil) {
            self.tag = tag
            self.optedOut = optedOut
            self.search = search
        }

        public func matches(_ c: Contact) -> Bool {
            guard tag.map({ c.tags.contains($0) }) ?? true, optedOut.map({ c.optedOut == $0 }) ?? true else {
                return false
            }
            guard let search, !search.isEmpty else { return true }
            if let name = c.name, name.lowercased().contains(search.lowercased()) { return true }
            if let phone = c.phone, phone.e164.contains(search) { return true }
            return false
        }
    }
}
