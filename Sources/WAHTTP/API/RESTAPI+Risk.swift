import WACore
import WAOpenAPI

extension RESTAPI {
    func getInstanceRisk(_ input: Operations.GetInstanceRisk.Input) async throws -> Operations.GetInstanceRisk.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.risk.report(for: id, by: principal)))))
    }

    func listRiskAlerts(_ input: Operations.ListRiskAlerts.Input) async throws -> Operations.ListRiskAlerts.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let instance: InstanceID? = try query.instanceId.map { try APIInput.id($0, field: "instance_id") }
        let result = try await gateway.risk.alerts(
            on: instance, unacknowledgedOnly: query.unacknowledged ?? false, by: principal, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func acknowledgeRiskAlert(_ input: Operations.AcknowledgeRiskAlert.Input) async throws
        -> Operations.AcknowledgeRiskAlert.Output
    {
        let principal = try RequestPrincipal.require()
        let id: RiskAlertID = try APIInput.id(input.path.alertId, field: "alert_id")
        return .ok(.init(body: .json(.init(try await gateway.risk.acknowledge(id, by: principal)))))
    }
}
