public import Foundation

/// A rule that reacts to inbound messages: a trigger and the actions it runs.
public struct Automation: Sendable, Hashable, Codable {
    public var id: AutomationID
    public var organizationID: OrganizationID
    /// The instance it listens on; nil for every instance of the organization.
    public var instanceID: InstanceID?
    public var name: String
    public var isEnabled: Bool
    public var trigger: Trigger
    public var actions: [Action]
    /// Minimum time between two runs for the same contact (loop and spam protection).
    public var cooldownSeconds: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: AutomationID, organizationID: OrganizationID, instanceID: InstanceID? = nil, name: String,
        isEnabled: Bool = true, trigger: Trigger, actions: [Action], cooldownSeconds: Int = 3600, createdAt: Date,
        updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.instanceID = instanceID
        self.name = name
        self.isEnabled = isEnabled
        self.trigger = trigger
        self.actions = actions
        self.cooldownSeconds = cooldownSeconds
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// What starts the automation.
    public enum Trigger: Sendable, Hashable, Codable {
        /// The message text contains (or, with `wholeMessage`, equals) a keyword, case-insensitively.
        case keyword(String, wholeMessage: Bool)
        /// The message text matches a regular expression.
        case regex(String)
        /// The first message ever received from a contact.
        case firstMessageFromNewContact
        /// A message arriving outside business hours.
        case outsideBusinessHours(BusinessHours)
    }

    /// Weekly opening hours in a time zone.
    public struct BusinessHours: Sendable, Hashable, Codable {
        /// IANA time zone.
        public var timeZone: String
        /// ISO weekdays (1 = Monday … 7 = Sunday) that are working days.
        public var weekdays: Set<Int>
        /// Opening and closing minute of the day (0…1440).
        public var opensAtMinute: Int
        public var closesAtMinute: Int

        public init(timeZone: String, weekdays: Set<Int>, opensAtMinute: Int, closesAtMinute: Int) {
            self.timeZone = timeZone
            self.weekdays = weekdays
            self.opensAtMinute = opensAtMinute
            self.closesAtMinute = closesAtMinute
        }
    }

    /// What the automation does.
    public enum Action: Sendable, Hashable, Codable {
        case replyWithTemplate(TemplateID)
        case tagContact(String)
        case assignMember(MemberID)
        /// Emits a custom webhook event `automation.<name>`.
        case emitWebhookEvent(String)
    }
}
