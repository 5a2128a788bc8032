import WACore
import WAOpenAPI

extension RESTAPI {
    func listGroups(_ input: Operations.ListGroups.Input) async throws -> Operations.ListGroups.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let groups = try await gateway.groups.list(on: id, by: principal)
        return .ok(.init(body: .json(.init(items: groups.map { .init($0) }))))
    }

    func getGroup(_ input: Operations.GetGroup.Input) async throws -> Operations.GetGroup.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let group = try JID(apiText: input.path.group, field: "group")
        return .ok(.init(body: .json(.init(try await gateway.groups.get(group, on: id, by: principal)))))
    }
}
