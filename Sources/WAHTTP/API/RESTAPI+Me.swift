import WACore
import WAOpenAPI

extension RESTAPI {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let principal = try RequestPrincipal.require()
        var me = Components.Schemas.Me(
            organizationId: principal.organizationID.description, kind: .member,
            role: .init(principal.role), permissions: principal.permissions.map(\.rawValue).sorted())
        switch principal.kind {
        case .member(let id):
            me.memberId = id.description
        case .apiKey(let key, let creator):
            me.kind = .apiKey
            me.apiKeyId = key.description
            me.memberId = creator.description
        case .system:
            // The system principal never comes from a credential.
            throw WAError(.unauthenticated, "valid credentials are required")
        }
        return .ok(.init(body: .json(me)))
    }
}

extension Components.Schemas.Role {
    init(_ role: Role) {
        switch role {
        case .admin: self = .admin
        case .manager: self = .manager
        case .agent: self = .agent
        case .viewer: self = .viewer
        }
    }
}
