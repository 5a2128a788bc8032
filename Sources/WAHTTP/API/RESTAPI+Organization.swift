import WACore
import WAOpenAPI

extension RESTAPI {
    func getOrganization(_ input: Operations.GetOrganization.Input) async throws -> Operations.GetOrganization.Output {
        let principal = try RequestPrincipal.require()
        return .ok(.init(body: .json(.init(try await gateway.organizations.organization(by: principal)))))
    }

    func updateOrganization(_ input: Operations.UpdateOrganization.Input) async throws
        -> Operations.UpdateOrganization.Output
    {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let organization = try await gateway.organizations.update(
            OrganizationUpdate(name: body.name, slug: body.slug), by: principal)
        return .ok(.init(body: .json(.init(organization))))
    }

    func replaceOrganizationOptOut(_ input: Operations.ReplaceOrganizationOptOut.Input) async throws
        -> Operations.ReplaceOrganizationOptOut.Output
    {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let organization = try await gateway.team.updateOptOutSettings(body.core, by: principal)
        return .ok(.init(body: .json(.init(organization))))
    }

    func getOrganizationUsage(_ input: Operations.GetOrganizationUsage.Input) async throws
        -> Operations.GetOrganizationUsage.Output
    {
        let principal = try RequestPrincipal.require()
        return .ok(.init(body: .json(.init(try await gateway.organizations.usage(by: principal)))))
    }
}
