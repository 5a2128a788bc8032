public import Foundation

/// A campaign's outcome: its counters, the funnel targeted → sent → delivered → read → replied, and timing.
///
/// Generated on demand (``CampaignService/report(_:by:)``) and once when the campaign completes, when it is also
/// stored as the campaign's ``Campaign/progress`` and published as the `campaign.completed` webhook event.
public struct CampaignReport: Sendable, Hashable {
    /// The campaign.
    public var campaignID: CampaignID
    /// Its name when the report was made.
    public var name: String
    /// The instance it sends from.
    public var instanceID: InstanceID
    /// Its status when the report was made.
    public var status: Campaign.Status
    /// The counters (see ``CampaignService/progress(_:by:)`` for what each counts).
    public var progress: Campaign.Progress
    /// The funnel of ``progress`` (`targeted` is the whole resolved audience, skipped recipients included).
    public var funnel: CampaignFunnel
    /// Recipients the campaign never got to: it was cancelled or failed first, or a wave gave up.
    public var unreached: Int
    /// The first time one of the campaign's messages was acknowledged by WhatsApp.
    public var firstSentAt: Date?
    /// The last time one of the campaign's messages was acknowledged by WhatsApp.
    public var lastSentAt: Date?
    /// When the report was computed.
    public var generatedAt: Date

    /// A report with the given values; the funnel is computed from `progress`.
    public init(
        campaignID: CampaignID, name: String, instanceID: InstanceID, status: Campaign.Status,
        progress: Campaign.Progress, unreached: Int, firstSentAt: Date?, lastSentAt: Date?, generatedAt: Date
    ) {
        self.campaignID = campaignID
        self.name = name
        self.instanceID = instanceID
        self.status = status
        self.progress = progress
        self.funnel = CampaignFunnel(progress: progress)
        self.unreached = unreached
        self.firstSentAt = firstSentAt
        self.lastSentAt = lastSentAt
        self.generatedAt = generatedAt
    }

    /// The report as the `data` of a `campaign.completed` event.
    public var jsonValue: JSONValue {
        var object = CampaignEventData.object(
            id: campaignID, name: name, instanceID: instanceID, status: status, progress: progress)
        object["unreached"] = .integer(Int64(unreached))
        if let firstSentAt { object["first_sent_at"] = .timestamp(firstSentAt) }
        if let lastSentAt { object["last_sent_at"] = .timestamp(lastSentAt) }
        object["funnel"] = .array(
            funnel.steps.map { step in
                var entry: JSONObject = ["stage": .string(step.stage.rawValue), "count": .integer(Int64(step.count))]
                if let rate = step.conversionFromStart { entry["conversion_from_start"] = .number(rate) }
                return .object(entry)
            })
        return .object(object)
    }
}

/// The `data` of `campaign.*` webhook events.
enum CampaignEventData {
    static func object(
        id: CampaignID, name: String, instanceID: InstanceID, status: Campaign.Status, progress p: Campaign.Progress
    ) -> JSONObject {
        [
            "id": .identifier(id),
            "name": .string(name),
            "instance_id": .identifier(instanceID),
            "status": .string(status.rawValue),
            "total": .integer(Int64(p.total)),
            "queued": .integer(Int64(p.queued)),
            "sent": .integer(Int64(p.sent)),
            "delivered": .integer(Int64(p.delivered)),
            "read": .integer(Int64(p.read)),
            "replied": .integer(Int64(p.replied)),
            "failed": .integer(Int64(p.failed)),
            "skipped": .integer(Int64(p.skipped)),
        ]
    }

    static func progress(_ campaign: Campaign) -> JSONValue {
        .object(
            object(
                id: campaign.id, name: campaign.name, instanceID: campaign.instanceID, status: campaign.status,
                progress: campaign.progress))
    }
}
