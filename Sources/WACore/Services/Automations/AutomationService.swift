import Foundation

/// Automations: create, change, enable and disable, delete, get and list.
///
/// Reading needs `automations:read`, every change `automations:manage`. Each change is one transaction with its
/// audit event (`automation.created`, `automation.updated`, `automation.enabled`, `automation.disabled`,
/// `automation.deleted`). Everything is validated before it is stored:
///
/// | what | rule | error (field) |
/// |---|---|---|
/// | name | 1–100 characters on one line | `invalid_argument` (`name`) |
/// | instance | exists in the organization (nil: every instance) | `not_found` (`instance_id`) |
/// | keyword | 1–100 characters on one line (trimmed) | `invalid_argument` (`trigger.keyword`) |
/// | regex | 1–256 characters, compiles as a Swift `Regex` | `invalid_regex` (`trigger.pattern`) |
/// | business hours | known time zone; weekdays ⊆ 1…7, not empty; opens 0…1439, closes 0…1440, different | `unknown_time_zone`, `invalid_business_hours` (`trigger.business_hours.…`) |
/// | actions | 1–10 | `invalid_argument` (`actions`) |
/// | reply | the template exists and uses only ``AutomationTemplateVariables/supported`` | `not_found`, `unsupported_template_variable` (`actions[i].template_id`) |
/// | tag | a valid contact tag (stored lower-cased) | `invalid_argument` (`actions[i].tag`) |
/// | assign | the member exists and is active | `not_found`, `member_inactive` (`actions[i].member_id`) |
/// | webhook event | `automation.<name>` is a valid event type | `invalid_event_type` (`actions[i].name`) |
/// | cool-down | 0…2,592,000 seconds (30 days) | `invalid_argument` (`cooldown_seconds`) |
public struct AutomationService: Sendable {
    private let env: ServiceEnvironment
    /// The most actions one automation may have.
    public static let maximumActions = 10
    /// The longest cool-down, in seconds (30 days).
    public static let maximumCooldownSeconds = 30 * 86_400

    /// A service acting on `environment`'s store, clock and access policy.
    ///
    /// Uses the environment's store, clock, identifier generator and access policy.
    public init(environment: ServiceEnvironment) { self.env = environment }

    /// Creates an automation (enabled unless `isEnabled` is false).
    public func create(
        name: String, instanceID: InstanceID? = nil, trigger: Automation.Trigger, actions: [Automation.Action],
        cooldownSeconds: Int = 3_600, isEnabled: Bool = true, by principal: Principal
    ) async throws -> Automation {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsManage, on: .organization(org))
        let automation = Automation(
            id: env.ids.make(), organizationID: org, instanceID: instanceID, name: try Self.validName(name),
            isEnabled: isEnabled, trigger: try trigger.validated(), actions: try Self.validActions(actions),
            cooldownSeconds: try Self.validCooldown(cooldownSeconds), createdAt: env.clock.now())
        return try await env.transaction(by: principal) { tx in
            try await checkReferences(of: automation, in: tx)
            let stored = try await tx.automations.insert(automation)
            _ = try await tx.auditEvents.insert(audit("automation.created", stored, principal))
            return stored
        }
    }

    /// Changes an automation (nil leaves a field as it is; `instanceID: .some(nil)` makes it organization-wide).
    public func update(
        _ id: AutomationID, name: String? = nil, instanceID: InstanceID?? = nil, trigger: Automation.Trigger? = nil,
        actions: [Automation.Action]? = nil, cooldownSeconds: Int? = nil, by principal: Principal
    ) async throws -> Automation {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsManage, on: .organization(org))
        let newName = try name.map(Self.validName)
        let newTrigger = try trigger.map { trigger throws(WAError) in try trigger.validated() }
        let newActions = try actions.map(Self.validActions)
        let newCooldown = try cooldownSeconds.map(Self.validCooldown)
        return try await env.transaction(by: principal) { tx in
            var automation = try await tx.automations.get(id, in: org)
            if let newName { automation.name = newName }
            if let instanceID { automation.instanceID = instanceID }
            if let newTrigger { automation.trigger = newTrigger }
            if let newActions { automation.actions = newActions }
            if let newCooldown { automation.cooldownSeconds = newCooldown }
            automation.updatedAt = env.clock.now()
            try await checkReferences(of: automation, in: tx)
            let stored = try await tx.automations.update(automation)
            _ = try await tx.auditEvents.insert(audit("automation.updated", stored, principal))
            return stored
        }
    }

    /// Turns an automation on or off. Setting the state it already has changes nothing and writes no audit event.
    /// Enabling checks its templates and members again (they may have been deleted or deactivated meanwhile).
    public func setEnabled(_ enabled: Bool, _ id: AutomationID, by principal: Principal) async throws -> Automation {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsManage, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            var automation = try await tx.automations.get(id, in: org)
            guard automation.isEnabled != enabled else { return automation }
            if enabled { try await checkReferences(of: automation, in: tx) }
            automation.isEnabled = enabled
            automation.updatedAt = env.clock.now()
            let stored = try await tx.automations.update(automation)
            _ = try await tx.auditEvents.insert(
                audit(enabled ? "automation.enabled" : "automation.disabled", stored, principal))
            return stored
        }
    }

    /// Deletes an automation. Its run history stays in the audit log.
    public func delete(_ id: AutomationID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsManage, on: .organization(org))
        try await env.transaction(by: principal) { tx in
            let automation = try await tx.automations.get(id, in: org)
            try await tx.automations.delete(id, in: org)
            _ = try await tx.auditEvents.insert(audit("automation.deleted", automation, principal))
        }
    }

    /// One automation of the principal's organization.
    public func get(_ id: AutomationID, by principal: Principal) async throws -> Automation {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.automations.get(id, in: org) }
    }

    /// Automations matching `filter` (newest first by default; the engine runs them oldest first).
    public func list(by principal: Principal, where filter: Automation.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Automation>
    {
        let org = principal.organizationID
        try env.policy.require(principal, .automationsRead, on: .organization(org))
        return try await env.transaction(by: principal) {
            try await $0.automations.list(in: org, where: filter, page: page)
        }
    }

    // MARK: Validation

    static func validName(_ name: String) throws(WAError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count), !trimmed.contains(where: \.isNewline) else {
            throw WAError.invalid("name", "an automation name is 1–100 characters on one line")
        }
        return trimmed
    }

    static func validCooldown(_ seconds: Int) throws(WAError) -> Int {
        guard (0...maximumCooldownSeconds).contains(seconds) else {
            throw WAError.invalid("cooldown_seconds", "the cool-down is 0–\(maximumCooldownSeconds) seconds")
        }
        return seconds
    }

    /// Checks what can be checked without the store and normalises tags.
    static func validActions(_ actions: [Automation.Action]) throws(WAError) -> [Automation.Action] {
        guard (1...maximumActions).contains(actions.count) else {
            throw WAError.invalid("actions", "an automation has 1–\(maximumActions) actions")
        }
        var result: [Automation.Action] = []
        for (index, action) in actions.enumerated() {
            switch action {
            case .tagContact(let tag):
                let normalized: Set<String>
                do throws(WAError) {
                    normalized = try ContactService.validTags([tag])
                } catch {
                    throw WAError.invalid("actions[\(index)].tag", error.message)
                }
                guard let only = normalized.first else { throw WAError.invalid("actions[\(index)].tag", "a tag is required") }
                result.append(.tagContact(only))
            case .emitWebhookEvent(let name):
                do throws(WAError) {
                    _ = try WebhookEventType.automation(name)
                } catch {
                    throw WAError(error.code, error.message, field: "actions[\(index)].name")
                }
                result.append(action)
            case .replyWithTemplate, .assignMember:
                result.append(action)
            }
        }
        return result
    }

    /// Checks the references of `automation` in the store: its instance, templates and members.
    private func checkReferences(of automation: Automation, in tx: any StoreTransaction) async throws {
        let org = automation.organizationID
        if let instance = automation.instanceID, try await tx.instances.find(instance, in: org) == nil {
            throw WAError.notFound("instance", field: "instance_id")
        }
        for (index, action) in automation.actions.enumerated() {
            switch action {
            case .replyWithTemplate(let id):
                let field = "actions[\(index)].template_id"
                guard let template = try await tx.templates.find(id, in: org) else {
                    throw WAError.notFound("template", field: field)
                }
                let unsupported = template.variables.filter { !AutomationTemplateVariables.supported.contains($0) }
                guard unsupported.isEmpty else {
                    throw WAError(
                        .unsupportedTemplateVariable,
                        "automations can fill in \(AutomationTemplateVariables.supported.sorted().joined(separator: ", ")), "
                            + "not \(unsupported.joined(separator: ", "))",
                        field: field)
                }
            case .assignMember(let id):
                let field = "actions[\(index)].member_id"
                guard let member = try await tx.members.find(id, in: org) else {
                    throw WAError.notFound("member", field: field)
                }
                guard member.isActive else {
                    throw WAError(.memberInactive, "the member is deactivated", field: field)
                }
            case .tagContact, .emitWebhookEvent:
                break
            }
        }
    }

    private func audit(_ action: String, _ automation: Automation, _ principal: Principal) -> AuditEvent {
        env.auditEvent(
            action, by: principal.auditActor, in: principal.organizationID, resourceType: "automation",
            resourceID: automation.id.description, metadata: ["name": automation.name])
    }
}
