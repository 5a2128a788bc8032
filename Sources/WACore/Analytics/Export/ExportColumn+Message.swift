extension ExportColumn where Row == Message {
    /// The standard message export: `id, organization_id, instance_id, chat_jid, contact_id, campaign_id,
    /// direction, kind, status, body, whatsapp_id, created_at, sent_at, delivered_at, read_at, failed_at,
    /// error_code`.
    public static var messageColumns: [ExportColumn<Message>] {
        [
            ExportColumn("id") { .text($0.id.description) },
            ExportColumn("organization_id") { .text($0.organizationID.description) },
            ExportColumn("instance_id") { .text($0.instanceID.description) },
            ExportColumn("chat_jid") { .text($0.chatJID.description) },
            ExportColumn("contact_id") { .optional($0.contactID?.description) },
            ExportColumn("campaign_id") { .optional($0.campaignID?.description) },
            ExportColumn("direction") { .text($0.direction.rawValue) },
            ExportColumn("kind") { .text($0.kind.rawValue) },
            ExportColumn("status") { .text($0.status.rawValue) },
            ExportColumn("body") { .optional($0.body) },
            ExportColumn("whatsapp_id") { .optional($0.whatsappID) },
            ExportColumn("created_at") { .date($0.createdAt) },
            ExportColumn("sent_at") { .optional($0.timestamps.sentAt) },
            ExportColumn("delivered_at") { .optional($0.timestamps.deliveredAt) },
            ExportColumn("read_at") { .optional($0.timestamps.readAt) },
            ExportColumn("failed_at") { .optional($0.timestamps.failedAt) },
            ExportColumn("error_code") { .optional($0.error?.code) },
        ]
    }
}
