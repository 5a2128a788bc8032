extension WAError.Code {
    /// A session command was given before the session was ready, or after it stopped.
    public static let sessionNotReady: WAError.Code = "session_not_ready"
    /// The recipient's number has no WhatsApp account.
    public static let recipientNotOnWhatsApp: WAError.Code = "recipient_not_on_whatsapp"
    /// WhatsApp restricted the account for a while; retrying before the restriction ends does not help.
    public static let accountRestricted: WAError.Code = "account_restricted"
    /// The transport failed (browser, network, WhatsApp); usually worth retrying.
    public static let transportError: WAError.Code = "transport_error"
}
