import Foundation

/// Contacts: create, change, tag, opt out, delete, list, and import from CSV.
public struct ContactService: Sendable {
    let env: ServiceEnvironment

    /// A service over `environment`, of which it uses the store, clock, identifier generator and access policy.
    public init(environment: ServiceEnvironment) { self.env = environment }

    /// What an import did, or would have done.
    public struct ImportReport: Sendable, Hashable {
        /// One row that could not be imported.
        public struct RowError: Sendable, Hashable {
            /// The 1-based line of the CSV text where the row starts.
            public var line: Int
            /// The column at fault (`phone`, `tags` …), when one is.
            public var column: String?
            public var message: String
        }

        public var created: Int
        public var updated: Int
        /// Rows whose number appeared earlier in the same file (merged into that row).
        public var duplicates: Int
        public var errors: [RowError]
        /// Rows imported with a remark: with `numberValidation: .possible`, numbers that libphonenumber calls
        /// possible but not valid (column `phone`).
        public var warnings: [RowError] = []
        /// Whether anything was written. An import with errors writes nothing unless `skipInvalidRows` was set.
        public var committed: Bool
    }

    /// Creates a contact. At least a phone number or a JID is required; a phone number gives the `@c.us` JID.
    public func create(
        phone: PhoneNumber? = nil, jid: JID? = nil, name: String? = nil, tags: Set<String> = [],
        by principal: Principal
    ) async throws -> Contact {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsManage, on: .organization(org))
        guard phone != nil || jid != nil else { throw WAError.invalid("phone", "a phone number or a JID is required") }
        if let jid, !jid.isUser { throw WAError(.invalidJID, "a contact's JID must name a user", field: "jid") }
        let contact = Contact(
            id: env.ids.make(), organizationID: org, jid: jid?.withoutDevice ?? phone?.jid, phone: phone,
            name: try Self.validName(name), tags: try Self.validTags(tags), createdAt: env.clock.now())
        return try await env.transaction(by: principal) { tx in
            let stored = try await tx.contacts.insert(contact)
            _ = try await tx.auditEvents.insert(audit("contact.created", stored.id, principal))
            return stored
        }
    }

    /// Changes a contact's name and tags (nil leaves a field as it is).
    public func update(_ id: ContactID, name: String?? = nil, tags: Set<String>? = nil, by principal: Principal)
        async throws -> Contact
    {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsManage, on: .organization(org))
        let newName = try name.map { try Self.validName($0) }
        let newTags = try tags.map(Self.validTags)
        return try await modify(id, "contact.updated", by: principal) { contact in
            if let newName { contact.name = newName }
            if let newTags { contact.tags = newTags }
        }
    }

    /// Adds and removes tags.
    public func tag(_ id: ContactID, adding: Set<String> = [], removing: Set<String> = [], by principal: Principal)
        async throws -> Contact
    {
        try env.policy.require(principal, .contactsManage, on: .organization(principal.organizationID))
        let add = try Self.validTags(adding)
        let remove = Set(removing.map { $0.lowercased() })
        return try await modify(id, "contact.tagged", by: principal) { contact in
            contact.tags.formUnion(add)
            contact.tags.subtract(remove)
        }
    }

    /// Records that the contact asked not to be messaged (sends and campaigns skip them; source
    /// ``OptOutSource/manual``), or withdraws that. Opting out a contact who already is keeps their original time and
    /// source. (Contacts also opt themselves out and in by replying: ``OptOutSettings``.)
    public func setOptedOut(_ optedOut: Bool, _ id: ContactID, by principal: Principal) async throws -> Contact {
        try env.policy.require(principal, .contactsManage, on: .organization(principal.organizationID))
        let now = env.clock.now()
        return try await modify(id, optedOut ? "contact.opted_out" : "contact.opted_in", by: principal) { contact in
            if optedOut { contact.optOut(.manual, at: now) } else { contact.optIn() }
        }
    }

    public func delete(_ id: ContactID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsManage, on: .organization(org))
        try await env.transaction(by: principal) { tx in
            try await tx.contacts.delete(id, in: org)
            _ = try await tx.auditEvents.insert(audit("contact.deleted", id, principal))
        }
    }

    public func get(_ id: ContactID, by principal: Principal) async throws -> Contact {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.contacts.get(id, in: org) }
    }

    public func list(by principal: Principal, where filter: Contact.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Contact>
    {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsRead, on: .organization(org))
        return try await env.transaction(by: principal) {
            try await $0.contacts.list(in: org, where: filter, page: page)
        }
    }

    /// Imports contacts from CSV text with a header row.
    ///
    /// Columns (case-insensitive, any order): `phone` (required; one leading `'`, as spreadsheet-safe exports
    /// write it, is ignored), `name`, `tags` (separated by `;` or `|`),
    /// `opted_out` (`true`/`false`/`yes`/`no`/`1`/`0`). Numbers in national format use `defaultRegion`. Existing
    /// contacts (same number) are updated: a non-empty name replaces theirs, tags are added, and `opted_out`, when
    /// present, is applied. Rows repeating a number of an earlier row are merged into it.
    ///
    /// Every row is validated first. If any row is invalid, nothing is written and the report lists every problem
    /// (never a half import) — unless `skipInvalidRows` is set, in which case the valid rows are imported and the
    /// invalid ones reported. The valid rows are then written in transactions of ``importBatchSize``, each looking
    /// its numbers up in one query; the `contacts.imported` audit event (with the totals) commits with the last.
    /// Should the store fail midway, the batches written stay, and importing the same file again finishes the job:
    /// an import only creates missing contacts and updates existing ones, so a second run changes nothing twice.
    ///
    /// Numbers must be valid as libphonenumber judges them (``PhoneNumberValidation/valid``). With
    /// `numberValidation: .possible`, a number of a possible length that is not valid (an unassigned range, a
    /// wrong area code) is imported as written and listed in ``ImportReport/warnings`` instead.
    /// How many rows of an import one transaction writes.
    public static let importBatchSize = 500

    public func importCSV(
        _ text: String, defaultRegion: String? = nil, skipInvalidRows: Bool = false, maximumRows: Int = 50_000,
        numberValidation: PhoneNumberValidation = .valid, by principal: Principal
    ) async throws -> ImportReport {
        let org = principal.organizationID
        try env.policy.require(principal, .contactsImport, on: .organization(org))
        let records = try CSVReader().records(text)
        guard let header = records.first else { throw WAError.invalid("csv", "the file is empty") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let phoneColumn = columns.firstIndex(of: "phone") else {
            throw WAError.invalid("csv", "the header needs a 'phone' column")
        }
        let known: Set<String> = ["phone", "name", "tags", "opted_out"]
        if let unknown = columns.first(where: { !known.contains($0) }) {
            throw WAError.invalid("csv", "unknown column '\(unknown)'; use phone, name, tags, opted_out")
        }
        guard records.count - 1 <= maximumRows else {
            throw WAError.invalid("csv", "at most \(maximumRows) rows can be imported at once")
        }
        func column(_ name: String, _ record: CSVReader.Record) -> String? {
            guard let index = columns.firstIndex(of: name), index < record.fields.count else { return nil }
            let value = record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : value
        }

        var rows: [String: ImportRow] = [:]
        var order: [String] = []
        var errors: [ImportReport.RowError] = []
        var warnings: [ImportReport.RowError] = []
        var duplicates = 0
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                errors.append(.init(line: record.line, column: nil,
                                    message: "expected \(columns.count) fields, found \(record.fields.count)"))
                continue
            }
            let phone: PhoneNumber
            do {
                // Our own CSV exports protect `+…` cells against formula injection with a leading apostrophe.
                var text = record.fields[phoneColumn].trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("'") { text.removeFirst() }
                phone = try PhoneNumber(text, defaultRegion: defaultRegion, validation: numberValidation)
            } catch {
                errors.append(.init(line: record.line, column: "phone", message: error.message))
                continue
            }
            if !phone.isValid {
                warnings.append(
                    .init(line: record.line, column: "phone",
                          message: "\(phone.e164) is in no number range of its country (not a valid number); imported as written"))
            }
            var row = ImportRow(phone: phone)
            do throws(WAError) {
                row.name = try Self.validName(column("name", record))
                row.tags = try Self.validTags(Set((column("tags", record) ?? "").split(whereSeparator: { $0 == ";" || $0 == "|" })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
                if let flag = column("opted_out", record) {
                    guard let value = Self.boolean(flag) else {
                        throw WAError.invalid("opted_out", "'\(flag)' is not true or false")
                    }
                    row.optedOut = value
                }
            } catch {
                errors.append(.init(line: record.line, column: error.field, message: error.message))
                continue
            }
            if let earlier = rows[phone.e164] {
                duplicates += 1
                rows[phone.e164] = earlier.merged(with: row)
            } else {
                rows[phone.e164] = row
                order.append(phone.e164)
            }
        }
        if !errors.isEmpty && !skipInvalidRows {
            return ImportReport(
                created: 0, updated: 0, duplicates: duplicates, errors: errors, warnings: warnings, committed: false)
        }
        let now = env.clock.now()
        let batches = stride(from: 0, to: max(order.count, 1), by: Self.importBatchSize).map {
            Array(order[$0..<min($0 + Self.importBatchSize, order.count)])
        }
        var created = 0
        var updated = 0
        for (index, batch) in batches.enumerated() {
            let isLast = index == batches.count - 1
            let (createdBefore, updatedBefore) = (created, updated)
            let (batchCreated, batchUpdated) = try await env.transaction(by: principal, retryingConflicts: 3) { tx in
                let rowsOfBatch = batch.compactMap { rows[$0] }
                let existing = Dictionary(
                    try await tx.contacts.find(phones: Set(rowsOfBatch.map(\.phone)), in: org).compactMap { contact in
                        contact.phone.map { ($0.e164, contact) }
                    }, uniquingKeysWith: { first, _ in first })
                var created = 0
                var updated = 0
                for row in rowsOfBatch {
                    if var contact = existing[row.phone.e164] {
                        if let name = row.name { contact.name = name }
                        contact.tags.formUnion(row.tags)
                        if let optedOut = row.optedOut {
                            if optedOut { contact.optOut(.import, at: now) } else { contact.optIn() }
                        }
                        contact.updatedAt = now
                        _ = try await tx.contacts.update(contact)
                        updated += 1
                    } else {
                        let optedOut = row.optedOut ?? false
                        _ = try await tx.contacts.insertMissing(
                            Contact(
                                id: env.ids.make(), organizationID: org, jid: row.phone.jid, phone: row.phone,
                                name: row.name, tags: row.tags, optedOut: optedOut, optedOutAt: optedOut ? now : nil,
                                optOutSource: optedOut ? .import : nil, createdAt: now))
                        created += 1
                    }
                }
                if isLast {
                    _ = try await tx.auditEvents.insert(
                        env.auditEvent(
                            "contacts.imported", by: principal.auditActor, in: org, resourceType: "contact",
                            resourceID: nil,
                            metadata: [
                                "created": "\(created + createdBefore)", "updated": "\(updated + updatedBefore)",
                                "rejected": "\(errors.count)", "batches": "\(batches.count)",
                            ]))
                }
                return (created, updated)
            }
            created += batchCreated
            updated += batchUpdated
        }
        return ImportReport(
            created: created, updated: updated, duplicates: duplicates, errors: errors, warnings: warnings,
            committed: true)
    }

    // MARK: Internals

    private struct ImportRow {
        var phone: PhoneNumber
        var name: String?
        var tags: Set<String> = []
        var optedOut: Bool?

        func merged(with later: ImportRow) -> ImportRow {
            ImportRow(
                phone: phone, name: later.name ?? name, tags: tags.union(later.tags), optedOut: later.optedOut ?? optedOut)
        }
    }

    private func modify(
        _ id: ContactID, _ action: String, by principal: Principal, _ change: @Sendable (inout Contact) -> Void
    ) async throws -> Contact {
        let org = principal.organizationID
        return try await env.transaction(by: principal) { tx in
            var contact = try await tx.contacts.get(id, in: org)
            change(&contact)
            contact.updatedAt = env.clock.now()
            let stored = try await tx.contacts.update(contact)
            _ = try await tx.auditEvents.insert(audit(action, id, principal))
            return stored
        }
    }

    private func audit(_ action: String, _ id: ContactID, _ principal: Principal) -> AuditEvent {
        env.auditEvent(
            action, by: principal.auditActor, in: principal.organizationID, resourceType: "contact",
            resourceID: id.description)
    }

    static func validName(_ name: String?) throws(WAError) -> String? {
        guard let name else { return nil }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        guard trimmed.count <= 200, !trimmed.contains(where: \.isNewline) else {
            throw WAError.invalid("name", "a name is at most 200 characters on one line")
        }
        return trimmed
    }

    /// Tags are lower-cased, 1–50 characters of letters, digits, spaces, `-`, `_` and `.`; at most 50 per contact.
    static func validTags(_ tags: Set<String>) throws(WAError) -> Set<String> {
        guard tags.count <= 50 else { throw WAError.invalid("tags", "a contact has at most 50 tags") }
        var result = Set<String>()
        for tag in tags {
            let normalized = tag.trimmingCharacters(in: .whitespaces).lowercased()
            guard (1...50).contains(normalized.count),
                normalized.allSatisfy({ $0.isLetter || $0.isNumber || " -_.".contains($0) })
            else { throw WAError.invalid("tags", "'\(tag)' is not a valid tag") }
            result.insert(normalized)
        }
        return result
    }

    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "1": true
        case "false", "no", "n", "0": false
        default: nil
        }
    }
}
