extension WAError.Code {
    /// The campaign's status does not allow the operation (pausing a draft, editing a running campaign …).
    public static let campaignInvalidState: WAError.Code = "campaign_invalid_state"
    /// The campaign's audience resolved to nobody who can be messaged (everyone opted out, has no number, or the
    /// tags, segment or list match no contact).
    public static let campaignAudienceEmpty: WAError.Code = "campaign_audience_empty"
}
