extension ExportColumn where Row == Contact {
    /// The standard contact export: `id, phone, jid, lid, name, tags (sorted, ";"-separated), opted_out,
    /// opted_out_at, last_inbound_at, created_at`.
    public static var contactColumns: [ExportColumn<Contact>] {
        [
            ExportColumn("id") { .text($0.id.description) },
            ExportColumn("phone") { .optional($0.phone?.e164) },
            ExportColumn("jid") { .optional($0.jid?.description) },
            ExportColumn("lid") { .optional($0.lid?.description) },
            ExportColumn("name") { .optional($0.name) },
            ExportColumn("tags") { .text($0.tags.sorted().joined(separator: ";")) },
            ExportColumn("opted_out") { .bool($0.optedOut) },
            ExportColumn("opted_out_at") { .optional($0.optedOutAt) },
            ExportColumn("last_inbound_at") { .optional($0.lastInboundAt) },
            ExportColumn("created_at") { .date($0.createdAt) },
        ]
    }
}
