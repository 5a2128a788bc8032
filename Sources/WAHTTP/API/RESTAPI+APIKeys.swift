import WACore
import WAOpenAPI

extension RESTAPI {
    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.apiKeys.list(
            by: principal, includeRevoked: query.includeRevoked ?? false, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let scopes = try Set(
            body.scopes.map { name in
                guard let permission = Permission(rawValue: name) else {
                    throw WAError.invalid("scopes", "unknown scope '\(name)'")
                }
                return permission
            })
        let issued = try await gateway.apiKeys.issue(
            name: body.name, scopes: scopes, expiresAt: body.expiresAt, by: principal)
        return .created(.init(body: .json(.init(issued))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        let principal = try RequestPrincipal.require()
        let id: APIKeyID = try APIInput.id(input.path.apiKeyId, field: "api_key_id")
        return .ok(.init(body: .json(.init(try await gateway.apiKeys.revoke(id, by: principal)))))
    }

    func rotateAPIKey(_ input: Operations.RotateAPIKey.Input) async throws -> Operations.RotateAPIKey.Output {
        let principal = try RequestPrincipal.require()
        let id: APIKeyID = try APIInput.id(input.path.apiKeyId, field: "api_key_id")
        let overlap = Duration.seconds(input.query.overlapSeconds ?? 0)
        do {
            let issued = try await gateway.apiKeys.rotate(id, overlap: overlap, by: principal)
            return .created(.init(body: .json(.init(issued))))
        } catch var error as WAError where error.field == "overlap" {
            error.field = "overlap_seconds"
            throw error
        }
    }
}
