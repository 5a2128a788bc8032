extension ExportColumn where Row == AuditEvent {
    /// The audit log export: `occurred_at, actor, action, resource_type, resource_id, metadata, ip_address`.
    ///
    /// `actor` is ``AuditEvent/Actor/exportText``; `metadata` is a JSON object as text, keys sorted (`{}` when
    /// empty).
    public static var auditColumns: [ExportColumn<AuditEvent>] {
        [
            ExportColumn("occurred_at") { .date($0.occurredAt) },
            ExportColumn("actor") { .text($0.actor.exportText) },
            ExportColumn("action") { .text($0.action) },
            ExportColumn("resource_type") { .text($0.resourceType) },
            ExportColumn("resource_id") { .optional($0.resourceID) },
            ExportColumn("metadata") { .text(AuditEvent.metadataJSON($0.metadata)) },
            ExportColumn("ip_address") { .optional($0.ipAddress) },
        ]
    }
}

extension AuditEvent {
    /// `metadata` as a JSON object, keys sorted: `{"role":"agent"}`.
    public static func metadataJSON(_ metadata: [String: String]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONLinesRowEncoder<AuditEvent>.appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONLinesRowEncoder<AuditEvent>.appendString(metadata[key] ?? "", to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension AuditEvent.Actor {
    /// The actor as export text: `member:<id>`, `api_key:<key id>/member:<member id>` (the key and the member it
    /// acted for) or `system`.
    public var exportText: String {
        switch self {
        case .member(let id): "member:\(id)"
        case .apiKey(let key, let member): "api_key:\(key)/member:\(member)"
        case .system: "system"
        }
    }
}
