import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Automation {
    init(_ automation: WACore.Automation) {
        self.init(
            id: automation.id.description, instanceId: automation.instanceID?.description, name: automation.name,
            enabled: automation.isEnabled, trigger: .init(automation.trigger), actions: automation.actions.map { .init($0) },
            cooldownSeconds: automation.cooldownSeconds, createdAt: automation.createdAt,
            updatedAt: automation.updatedAt, version: automation.version)
    }
}

extension Components.Schemas.AutomationTrigger {
    /// The longest keyword and pattern, as the document states them.
    static let maximumKeywordLength = WACore.Automation.Trigger.maximumKeywordLength
    static let maximumPatternLength = WACore.Automation.Trigger.maximumPatternLength

    init(_ trigger: WACore.Automation.Trigger) {
        switch trigger {
        case .keyword(let keyword, let wholeMessage):
            self = .keyword(.init(_type: "keyword", keyword: keyword, wholeMessage: wholeMessage))
        case .regex(let pattern):
            self = .regex(.init(_type: "regex", pattern: pattern))
        case .firstMessageFromNewContact:
            self = .firstMessageFromNewContact(.init(_type: "first_message_from_new_contact"))
        case .outsideBusinessHours(let hours):
            self = .outsideBusinessHours(
                .init(
                    _type: "outside_business_hours",
                    businessHours: .init(
                        timeZone: hours.timeZone, weekdays: hours.weekdays.sorted(),
                        opensAtMinute: hours.opensAtMinute, closesAtMinute: hours.closesAtMinute)))
        }
    }

    /// The trigger in WACore's terms (WACore validates it further).
    var core: WACore.Automation.Trigger {
        get throws {
            switch self {
            case .keyword(let trigger):
                return .keyword(
                    try APIInput.text(trigger.keyword, field: "trigger.keyword", maxLength: Self.maximumKeywordLength),
                    wholeMessage: trigger.wholeMessage ?? false)
            case .regex(let trigger):
                return .regex(
                    try APIInput.text(trigger.pattern, field: "trigger.pattern", maxLength: Self.maximumPatternLength))
            case .firstMessageFromNewContact:
                return .firstMessageFromNewContact
            case .outsideBusinessHours(let trigger):
                let hours = trigger.businessHours
                guard hours.weekdays.count <= 7 else {
                    throw WAError(
                        .invalidBusinessHours, "at most 7 weekdays", field: "trigger.business_hours.weekdays")
                }
                return .outsideBusinessHours(
                    .init(
                        timeZone: try APIInput.text(
                            hours.timeZone, field: "trigger.business_hours.time_zone",
                            maxLength: APIInput.maximumTimeZoneLength),
                        weekdays: Set(hours.weekdays), opensAtMinute: hours.opensAtMinute,
                        closesAtMinute: hours.closesAtMinute))
            }
        }
    }
}

extension Components.Schemas.AutomationAction {
    /// The longest tag and event name, as the document states them.
    static let maximumTagLength = 64
    static let maximumEventNameLength = 100

    init(_ action: WACore.Automation.Action) {
        switch action {
        case .replyWithTemplate(let id):
            self = .replyWithTemplate(.init(_type: "reply_with_template", templateId: id.description))
        case .tagContact(let tag):
            self = .tagContact(.init(_type: "tag_contact", tag: tag))
        case .assignMember(let id):
            self = .assignMember(.init(_type: "assign_member", memberId: id.description))
        case .emitWebhookEvent(let name):
            self = .emitWebhookEvent(.init(_type: "emit_webhook_event", name: name))
        }
    }

    /// The action at `index` in WACore's terms (WACore checks its references).
    func core(index: Int) throws -> WACore.Automation.Action {
        switch self {
        case .replyWithTemplate(let action):
            return .replyWithTemplate(try APIInput.id(action.templateId, field: "actions[\(index)].template_id"))
        case .tagContact(let action):
            return .tagContact(try APIInput.text(action.tag, field: "actions[\(index)].tag", maxLength: Self.maximumTagLength))
        case .assignMember(let action):
            return .assignMember(try APIInput.id(action.memberId, field: "actions[\(index)].member_id"))
        case .emitWebhookEvent(let action):
            return .emitWebhookEvent(
                try APIInput.text(action.name, field: "actions[\(index)].name", maxLength: Self.maximumEventNameLength))
        }
    }

    /// `actions` in WACore's terms (WACore checks their number, 1–10).
    static func core(_ actions: [Self]) throws -> [WACore.Automation.Action] {
        try actions.enumerated().map { index, action in try action.core(index: index) }
    }
}
