import WACore
import WAOpenAPI

extension RESTAPI {
    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = Campaign.Filter()
        filter.status = query.status?.core
        filter.instanceID = try query.instanceId.map { try APIInput.id($0, field: "instance_id") }
        let result = try await gateway.campaigns.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let campaign = try await gateway.campaigns.create(
            name: try APIInput.text(body.name, field: "name", maxLength: CampaignService.maximumNameLength),
            instance: try APIInput.id(body.instanceId, field: "instance_id"),
            template: try APIInput.id(body.templateId, field: "template_id"), audience: try body.audience.core,
            schedule: try body.schedule?.core ?? Campaign.Schedule(), by: principal)
        return .created(.init(body: .json(.init(campaign))))
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.get(id, by: principal)))))
    }

    func updateCampaign(_ input: Operations.UpdateCampaign.Input) async throws -> Operations.UpdateCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let campaign = try await gateway.campaigns.update(
            id, name: try body.name.map { try APIInput.text($0, field: "name", maxLength: CampaignService.maximumNameLength) },
            template: try body.templateId.map { try APIInput.id($0, field: "template_id") },
            audience: try body.audience?.core, schedule: try body.schedule?.core, by: principal)
        return .ok(.init(body: .json(.init(campaign))))
    }

    func deleteCampaign(_ input: Operations.DeleteCampaign.Input) async throws -> Operations.DeleteCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        try await gateway.campaigns.delete(id, by: principal)
        return .noContent(.init())
    }

    func startCampaign(_ input: Operations.StartCampaign.Input) async throws -> Operations.StartCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.start(id, by: principal)))))
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.pause(id, by: principal)))))
    }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.resume(id, by: principal)))))
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.cancel(id, by: principal)))))
    }

    func getCampaignProgress(_ input: Operations.GetCampaignProgress.Input) async throws
        -> Operations.GetCampaignProgress.Output
    {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.progress(id, by: principal)))))
    }

    func getCampaignReport(_ input: Operations.GetCampaignReport.Input) async throws
        -> Operations.GetCampaignReport.Output
    {
        let principal = try RequestPrincipal.require()
        let id: CampaignID = try APIInput.id(input.path.campaignId, field: "campaign_id")
        return .ok(.init(body: .json(.init(try await gateway.campaigns.report(id, by: principal)))))
    }
}
