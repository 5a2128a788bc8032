import WACore
import WAOpenAPI

extension RESTAPI {
    func listAutomations(_ input: Operations.ListAutomations.Input) async throws -> Operations.ListAutomations.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = Automation.Filter()
        filter.appliesTo = try query.instanceId.map { try APIInput.id($0, field: "instance_id") }
        filter.isEnabled = query.enabled
        let result = try await gateway.automations.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createAutomation(_ input: Operations.CreateAutomation.Input) async throws
        -> Operations.CreateAutomation.Output
    {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let automation = try await gateway.automations.create(
            name: try APIInput.text(body.name, field: "name", maxLength: 100),
            instanceID: try body.instanceId.map { try APIInput.id($0, field: "instance_id") },
            trigger: try body.trigger.core, actions: try Components.Schemas.AutomationAction.core(body.actions),
            cooldownSeconds: body.cooldownSeconds ?? 3_600, isEnabled: body.enabled ?? true, by: principal)
        return .created(.init(body: .json(.init(automation))))
    }

    func getAutomation(_ input: Operations.GetAutomation.Input) async throws -> Operations.GetAutomation.Output {
        let principal = try RequestPrincipal.require()
        let id: AutomationID = try APIInput.id(input.path.automationId, field: "automation_id")
        return .ok(.init(body: .json(.init(try await gateway.automations.get(id, by: principal)))))
    }

    func updateAutomation(_ input: Operations.UpdateAutomation.Input) async throws
        -> Operations.UpdateAutomation.Output
    {
        let principal = try RequestPrincipal.require()
        let id: AutomationID = try APIInput.id(input.path.automationId, field: "automation_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let instance: InstanceID??
        switch (body.instanceId, body.organizationWide) {
        case (.some, true?):
            throw WAError.invalid("organization_wide", "instance_id and organization_wide exclude each other")
        case (let text?, _): instance = .some(try APIInput.id(text, field: "instance_id"))
        case (nil, true?): instance = .some(nil)
        case (nil, _): instance = nil
        }
        let automation = try await gateway.automations.update(
            id, name: try body.name.map { try APIInput.text($0, field: "name", maxLength: 100) }, instanceID: instance,
            trigger: try body.trigger?.core,
            actions: try body.actions.map { try Components.Schemas.AutomationAction.core($0) },
            cooldownSeconds: body.cooldownSeconds, by: principal)
        return .ok(.init(body: .json(.init(automation))))
    }

    func deleteAutomation(_ input: Operations.DeleteAutomation.Input) async throws
        -> Operations.DeleteAutomation.Output
    {
        let principal = try RequestPrincipal.require()
        let id: AutomationID = try APIInput.id(input.path.automationId, field: "automation_id")
        try await gateway.automations.delete(id, by: principal)
        return .noContent(.init())
    }

    func enableAutomation(_ input: Operations.EnableAutomation.Input) async throws
        -> Operations.EnableAutomation.Output
    {
        let principal = try RequestPrincipal.require()
        let id: AutomationID = try APIInput.id(input.path.automationId, field: "automation_id")
        return .ok(.init(body: .json(.init(try await gateway.automations.setEnabled(true, id, by: principal)))))
    }

    func disableAutomation(_ input: Operations.DisableAutomation.Input) async throws
        -> Operations.DisableAutomation.Output
    {
        let principal = try RequestPrincipal.require()
        let id: AutomationID = try APIInput.id(input.path.automationId, field: "automation_id")
        return .ok(.init(body: .json(.init(try await gateway.automations.setEnabled(false, id, by: principal)))))
    }
}
