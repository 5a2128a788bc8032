import WACore

/// `templates`: name unique per organization.
enum TemplateMapping: PostgresEntityMapping {
    typealias Entity = Template
    static let table = "templates"
    static func columns(of t: Template) -> [(name: String, value: SQLValue)] { [("name", .text(t.name))] }
    static func uniqueColumns(of key: String) -> [String] { key == "name" ? ["name"] : [] }
}

/// `campaigns`.
enum CampaignMapping: PostgresEntityMapping {
    typealias Entity = Campaign
    static let table = "campaigns"
    static func columns(of c: Campaign) -> [(name: String, value: SQLValue)] {
        [("instance_id", .id(c.instanceID)), ("status", .text(c.status.rawValue))]
    }
    static func conditions(_ filter: Campaign.Filter, into sql: inout SQLBuilder) {
        if let status = filter.status { sql.whereEqual("status", .text(status.rawValue)) }
        if let instance = filter.instanceID { sql.whereEqual("instance_id", .id(instance)) }
        if let instances = filter.instanceIDs {
            sql.append(" AND instance_id = ANY(")
            sql.append(bound: .ids(instances))
            sql.append(")")
        }
    }
}

/// `automations`: an automation without an instance applies to every instance.
enum AutomationMapping: PostgresEntityMapping {
    typealias Entity = Automation
    static let table = "automations"
    static func columns(of a: Automation) -> [(name: String, value: SQLValue)] {
        [("instance_id", .id(a.instanceID)), ("is_enabled", .boolean(a.isEnabled))]
    }
    static func conditions(_ filter: Automation.Filter, into sql: inout SQLBuilder) {
        if let instance = filter.appliesTo {
            sql.append(" AND (instance_id IS NULL OR instance_id = ")
            sql.append(bound: .id(instance))
            sql.append(")")
        }
        if let isEnabled = filter.isEnabled { sql.whereEqual("is_enabled", .boolean(isEnabled)) }
    }
}
