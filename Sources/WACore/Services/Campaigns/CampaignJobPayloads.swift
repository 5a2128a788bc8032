/// One recipient fixed when a campaign starts.
struct CampaignRecipient: Codable, Sendable, Hashable {
    var contact: ContactID
    /// Per-recipient template variables (bulk sends); empty for audience campaigns.
    var variables: [String: String]

    init(contact: ContactID, variables: [String: String] = [:]) {
        self.contact = contact
        self.variables = variables
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        contact = try container.decode(ContactID.self, forKey: .contact)
        variables = try container.decodeIfPresent([String: String].self, forKey: .variables) ?? [:]
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(contact, forKey: .contact)
        if !variables.isEmpty { try container.encode(variables, forKey: .variables) }
    }

    private enum CodingKeys: String, CodingKey { case contact, variables }
}

/// The payload of a `campaign.wave` job: the durable recipient list of one batch and how far the wave got.
///
/// There is no recipient table: the list lives here, written once when the campaign starts. ``next`` is updated
/// in the same transaction that proves the worker still holds the job (and counts a skip or failure on the
/// campaign's ``Campaign/RecipientTally``), right after each recipient's message was created, so a re-run after a
/// crash resumes at the first unfinished recipient (and the message idempotency key covers the one in between).
struct CampaignWavePayload: Codable, Sendable, Hashable {
    var campaign: CampaignID
    var batch: Int
    /// The template as it was when the campaign started.
    var template: Template
    var recipients: [CampaignRecipient]
    /// The index of the first recipient not handled yet.
    var next: Int

    init(campaign: CampaignID, batch: Int, template: Template, recipients: [CampaignRecipient]) {
        self.campaign = campaign
        self.batch = batch
        self.template = template
        self.recipients = recipients
        self.next = 0
    }

    var isFinished: Bool { next >= recipients.count }
}

/// The payload of the `campaign.finish` job that completes a campaign once every wave is done and nothing is
/// left to send.
struct CampaignFinishPayload: Codable, Sendable, Hashable {
    var campaign: CampaignID
}
