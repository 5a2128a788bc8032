import WACore
import WAOpenAPI

extension RESTAPI {
    func listProxies(_ input: Operations.ListProxies.Input) async throws -> Operations.ListProxies.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.proxies.list(by: principal, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createProxy(_ input: Operations.CreateProxy.Input) async throws -> Operations.CreateProxy.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let proxy = try await gateway.proxies.create(
            NewProxyServer(
                scheme: body.scheme.core, host: body.host, port: body.port,
                credentials: try ProxyCredentials(username: body.username, password: body.password),
                capacity: body.capacity ?? 1, isEnabled: body.enabled ?? true),
            by: principal)
        return .created(.init(body: .json(.init(proxy))))
    }

    func getProxy(_ input: Operations.GetProxy.Input) async throws -> Operations.GetProxy.Output {
        let principal = try RequestPrincipal.require()
        let id: ProxyServerID = try APIInput.id(input.path.proxyId, field: "proxy_id")
        return .ok(.init(body: .json(.init(try await gateway.proxies.get(id, by: principal)))))
    }

    func updateProxy(_ input: Operations.UpdateProxy.Input) async throws -> Operations.UpdateProxy.Output {
        let principal = try RequestPrincipal.require()
        let id: ProxyServerID = try APIInput.id(input.path.proxyId, field: "proxy_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let change = ProxyServerUpdate(
            scheme: body.scheme?.core, host: body.host, port: body.port,
            credentials: try ProxyCredentials(username: body.username, password: body.password),
            capacity: body.capacity, isEnabled: body.enabled)
        return .ok(.init(body: .json(.init(try await gateway.proxies.update(id, change, by: principal)))))
    }

    func deleteProxy(_ input: Operations.DeleteProxy.Input) async throws -> Operations.DeleteProxy.Output {
        let principal = try RequestPrincipal.require()
        let id: ProxyServerID = try APIInput.id(input.path.proxyId, field: "proxy_id")
        try await gateway.proxies.delete(id, by: principal)
        return .noContent(.init())
    }
}
