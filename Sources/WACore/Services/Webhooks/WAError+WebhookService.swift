extension WAError.Code {
    /// A webhook endpoint URL is malformed, too long, not `https`, or carries credentials or a fragment.
    public static let invalidWebhookURL: WAError.Code = "invalid_webhook_url"
    /// A webhook endpoint URL targets a loopback, private, link-local or otherwise non-public address or an
    /// internal host name, and private targets are not allowed.
    public static let webhookTargetForbidden: WAError.Code = "webhook_target_forbidden"
    /// The webhook endpoint is disabled, so the operation (replaying a delivery) cannot run; enable it first.
    public static let webhookEndpointDisabled: WAError.Code = "webhook_endpoint_disabled"
    /// Only failed deliveries can be replayed.
    public static let deliveryNotReplayable: WAError.Code = "delivery_not_replayable"
}
