import WACore
import WAOpenAPI

extension RESTAPI {
    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = Member.Filter()
        filter.role = query.role?.asCoreRole
        filter.isActive = query.active
        filter.assignedTo = try query.assignedInstanceId.map { try APIInput.id($0, field: "assigned_instance_id") }
        let result = try await gateway.team.members(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    /// Answers with the member only: the invitation token goes to the environment's account notifier.
    func inviteMember(_ input: Operations.InviteMember.Input) async throws -> Operations.InviteMember.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let (member, _) = try await gateway.team.invite(
            email: body.email, displayName: body.displayName, role: body.role.asCoreRole, by: principal)
        return .created(.init(body: .json(.init(member))))
    }

    func getMember(_ input: Operations.GetMember.Input) async throws -> Operations.GetMember.Output {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        return .ok(.init(body: .json(.init(try await gateway.team.member(id, by: principal)))))
    }

    func updateMember(_ input: Operations.UpdateMember.Input) async throws -> Operations.UpdateMember.Output {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let member = try await gateway.team.changeRole(of: id, to: body.role.asCoreRole, by: principal)
        return .ok(.init(body: .json(.init(member))))
    }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        try await gateway.team.remove(id, by: principal)
        return .noContent(.init())
    }

    func deactivateMember(_ input: Operations.DeactivateMember.Input) async throws
        -> Operations.DeactivateMember.Output
    {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        return .ok(.init(body: .json(.init(try await gateway.team.deactivate(id, by: principal)))))
    }

    func reactivateMember(_ input: Operations.ReactivateMember.Input) async throws
        -> Operations.ReactivateMember.Output
    {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        return .ok(.init(body: .json(.init(try await gateway.team.reactivate(id, by: principal)))))
    }

    func assignMemberInstances(_ input: Operations.AssignMemberInstances.Input) async throws
        -> Operations.AssignMemberInstances.Output
    {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let instances: [InstanceID] = try body.instanceIds.map { try APIInput.id($0, field: "instance_ids") }
        do {
            let member = try await gateway.team.assign(instances: Set(instances), to: id, by: principal)
            return .ok(.init(body: .json(.init(member))))
        } catch var error as WAError where error.field == "instances" {
            error.field = "instance_ids"
            throw error
        }
    }

    func endMemberSessions(_ input: Operations.EndMemberSessions.Input) async throws
        -> Operations.EndMemberSessions.Output
    {
        let principal = try RequestPrincipal.require()
        let id: MemberID = try APIInput.id(input.path.memberId, field: "member_id")
        return .ok(.init(body: .json(.init(try await gateway.team.endSessions(of: id, by: principal)))))
    }
}

extension Components.Schemas.Role {
    fileprivate var asCoreRole: WACore.Role {
        switch self {
        case .admin: .admin
        case .manager: .manager
        case .agent: .agent
        case .viewer: .viewer
        }
    }
}
