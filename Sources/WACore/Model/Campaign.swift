public import Foundation

/// A templated message sent to an audience from one instance, paced within the instance's limits.
public struct Campaign: Sendable, Hashable, Codable {
    public var id: CampaignID
    public var organizationID: OrganizationID
    public var instanceID: InstanceID
    public var name: String
    public var templateID: TemplateID
    public var audience: Audience
    public var schedule: Schedule
    /// Where the campaign is in its life. Moved only by ``apply(_:)`` (the transitions of ``CampaignLifecycle``).
    public private(set) var status: Status
    public var progress: Progress
    /// What the campaign's waves did with the recipients they were given, counted as they went.
    public var recipients: RecipientTally
    public var createdBy: MemberID?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: CampaignID, organizationID: OrganizationID, instanceID: InstanceID, name: String, templateID: TemplateID,
        audience: Audience, schedule: Schedule = Schedule(), status: Status = .draft, progress: Progress = Progress(),
        recipients: RecipientTally = RecipientTally(), createdBy: MemberID? = nil, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.name = name
        self.templateID = templateID
        self.audience = audience
        self.schedule = schedule
        self.status = status
        self.progress = progress
        self.recipients = recipients
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// Moves ``status`` by `event` as ``CampaignLifecycle`` allows.
    ///
    /// - Throws: ``WAError/Code-swift.struct/campaignInvalidState`` naming the status and the event when the
    ///   campaign's status does not allow it (nothing changes then).
    public mutating func apply(_ event: CampaignLifecycle.Event) throws(WAError) {
        status = try CampaignLifecycle.require(event, from: status)
    }

    /// Whether ``apply(_:)`` would accept `event` now.
    public func allows(_ event: CampaignLifecycle.Event) -> Bool {
        CampaignLifecycle.status(after: event, from: status) != nil
    }

    /// Who receives the campaign.
    public enum Audience: Sendable, Hashable, Codable {
        /// Contacts carrying any of these tags.
        case tags(Set<String>)
        /// Contacts in a named engagement segment (`active`, `dormant` …).
        case segment(String)
        /// Exactly these contacts.
        case contacts([ContactID])
    }

    /// When the campaign may send.
    public struct Schedule: Sendable, Hashable, Codable {
        /// Not before this instant (nil: as soon as started).
        public var startAt: Date?
        /// Local hours (in ``timeZone``) during which nothing is sent, e.g. 21…8.
        public var quietHours: QuietHours?
        /// IANA time zone for quiet hours.
        public var timeZone: String

        public init(startAt: Date? = nil, quietHours: QuietHours? = nil, timeZone: String = "UTC") {
            self.startAt = startAt
            self.quietHours = quietHours
            self.timeZone = timeZone
        }
    }

    /// A daily quiet window from `startHour` to `endHour` (local, 0…23; may wrap midnight).
    public struct QuietHours: Sendable, Hashable, Codable {
        public var startHour: Int
        public var endHour: Int
        public init(startHour: Int, endHour: Int) {
            self.startHour = startHour
            self.endHour = endHour
        }
    }

    /// The campaign's life.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case draft
        case scheduled
        case running
        case paused
        case completed
        case cancelled
        case failed
    }

    /// Counters per recipient outcome.
    /// The campaign's recipients as its waves handled them: kept as counters on the campaign, in the transaction
    /// of each change, so that progress is read from the campaign rather than from its wave jobs.
    public struct RecipientTally: Sendable, Hashable, Codable {
        /// Recipients put into waves when the campaign started.
        public var listed: Int
        /// Recipients a wave skipped when their turn came (opted out, contact deleted, no number).
        public var skipped: Int
        /// Recipients a wave could not message (the template did not render, the content was refused).
        public var failed: Int

        public init(listed: Int = 0, skipped: Int = 0, failed: Int = 0) {
            self.listed = listed
            self.skipped = skipped
            self.failed = failed
        }
    }

    public struct Progress: Sendable, Hashable, Codable {
        public var total: Int
        public var queued: Int
        public var sent: Int
        public var delivered: Int
        public var read: Int
        public var replied: Int
        public var failed: Int
        public var skipped: Int

        public init(
            total: Int = 0, queued: Int = 0, sent: Int = 0, delivered: Int = 0, read: Int = 0, replied: Int = 0,
            failed: Int = 0, skipped: Int = 0
        ) {
            self.total = total
            self.queued = queued
            self.sent = sent
            self.delivered = delivered
            self.read = read
            self.replied = replied
            self.failed = failed
            self.skipped = skipped
        }
    }
}
