extension WAError.Code {
    /// A webhook signing secret could not be parsed or generated (empty, not base64, wrong length).
    public static let invalidWebhookSecret: WAError.Code = "invalid_webhook_secret"
    /// A required webhook header (`webhook-id`, `webhook-timestamp`, `webhook-signature`) is missing or empty;
    /// ``WAError/field`` names it.
    public static let webhookMissingHeader: WAError.Code = "webhook_missing_header"
    /// The `webhook-timestamp` header is not an integer number of Unix seconds.
    public static let webhookInvalidTimestamp: WAError.Code = "webhook_invalid_timestamp"
    /// The `webhook-timestamp` lies further in the past than the verifier's tolerance (replay protection).
    public static let webhookTimestampTooOld: WAError.Code = "webhook_timestamp_too_old"
    /// The `webhook-timestamp` lies further in the future than the verifier's tolerance.
    public static let webhookTimestampTooNew: WAError.Code = "webhook_timestamp_too_new"
    /// No signature in the header matches the payload under any of the verifier's secrets.
    public static let webhookSignatureMismatch: WAError.Code = "webhook_signature_mismatch"
    /// A webhook event type name does not follow the grammar of ``WebhookEventType``.
    public static let invalidEventType: WAError.Code = "invalid_event_type"
    /// A webhook event filter pattern does not follow the grammar of ``WebhookEventFilter``.
    public static let invalidEventFilter: WAError.Code = "invalid_event_filter"
}
