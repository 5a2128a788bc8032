/// The webhook events the instance lifecycle publishes, with their `data` objects.
///
/// | type | data |
/// |---|---|
/// | `instance.status_changed` | `name`, `status`, `previous_status` |
/// | `instance.qr` | `name`, `qr` (or `pairing_code`), `expires_at` |
/// | `instance.ready` | `name`, `jid`, `phone` |
/// | `instance.disconnected` | `name`, `status`, `reason`, `kind` (`transient`/`terminal`), `message`, `requested` |
/// | `risk.alert` | `alert_id`, `level`, `reason` (first rule), `rules`, `evidence`, `score`, `actions_taken` |
enum InstanceWebhookEvents {
    static func statusChanged(_ instance: Instance, from previous: InstanceStatus, ids: IdentifierGenerator)
        -> WebhookEvent
    {
        event(
            .instanceStatusChanged, instance,
            [
                "name": .string(instance.name), "status": .string(instance.status.rawValue),
                "previous_status": .string(previous.rawValue),
            ], ids)
    }

    static func linkCode(_ instance: Instance, _ code: LinkCode, ids: IdentifierGenerator) -> WebhookEvent {
        let key = code.kind == .qrCode ? "qr" : "pairing_code"
        return event(
            .instanceQR, instance,
            ["name": .string(instance.name), key: .string(code.value), "expires_at": .timestamp(code.expiresAt)], ids)
    }

    static func ready(_ instance: Instance, ids: IdentifierGenerator) -> WebhookEvent {
        event(
            .instanceReady, instance,
            [
                "name": .string(instance.name), "jid": .optional(instance.jid.map { .string($0.description) }),
                "phone": .optional(instance.phone.map { .string($0.e164) }),
            ], ids)
    }

    static func disconnected(
        _ instance: Instance, _ reason: DisconnectReason, requested: Bool, ids: IdentifierGenerator
    ) -> WebhookEvent {
        event(
            .instanceDisconnected, instance,
            [
                "name": .string(instance.name), "status": .string(instance.status.rawValue),
                "reason": .string(reason.code), "kind": .string(reason.kind.rawValue),
                "message": .string(reason.message), "requested": .bool(requested),
            ], ids)
    }

    static func riskAlert(_ alert: RiskAlert, ids: IdentifierGenerator) -> WebhookEvent {
        var evidence = JSONObject()
        for key in alert.evidence.keys.sorted() { evidence[key] = .string(alert.evidence[key] ?? "") }
        return WebhookEvent(
            type: .riskAlert, organizationID: alert.organizationID, instanceID: alert.instanceID,
            data: [
                "alert_id": .identifier(alert.id), "level": .string(alert.severity.rawValue),
                "reason": .string(alert.rules.first ?? ""), "rules": .array(alert.rules.map(JSONValue.string)),
                "evidence": .object(evidence), "score": .number(alert.score),
                "actions_taken": .array(alert.actionsTaken.map(JSONValue.string)),
            ], ids: ids)
    }

    private static func event(
        _ type: WebhookEventType, _ instance: Instance, _ data: JSONObject, _ ids: IdentifierGenerator
    ) -> WebhookEvent {
        WebhookEvent(
            type: type, organizationID: instance.organizationID, instanceID: instance.id, data: .object(data),
            ids: ids)
    }
}
