import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func listInstances(_ input: Operations.ListInstances.Input) async throws -> Operations.ListInstances.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        var filter = Instance.Filter()
        filter.status = query.status?.core
        let result = try await gateway.instances.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createInstance(_ input: Operations.CreateInstance.Input) async throws -> Operations.CreateInstance.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let instance = try await gateway.instances.create(
            name: body.name, proxyPolicy: try body.proxyPolicy?.core(field: "proxy_policy") ?? .none,
            rateLimits: body.sendLimits?.core, by: principal)
        return .created(.init(body: .json(.init(instance))))
    }

    func getInstance(_ input: Operations.GetInstance.Input) async throws -> Operations.GetInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.get(id, by: principal)))))
    }

    func updateInstance(_ input: Operations.UpdateInstance.Input) async throws -> Operations.UpdateInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let rateLimits: InstanceRateLimits??
        switch (body.sendLimits, body.usePlanSendLimits) {
        case (.some, true?):
            throw WAError.invalid("use_plan_send_limits", "send_limits and use_plan_send_limits exclude each other")
        case (let limits?, _): rateLimits = .some(limits.core)
        case (nil, true?): rateLimits = .some(nil)
        case (nil, _): rateLimits = nil
        }
        let instance = try await gateway.instances.update(
            id, name: body.name, proxyPolicy: try body.proxyPolicy?.core(field: "proxy_policy"),
            rateLimits: rateLimits, callPolicy: body.callPolicy.map { $0 == .reject ? .reject : .ignore }, by: principal)
        return .ok(.init(body: .json(.init(instance))))
    }

    func deleteInstance(_ input: Operations.DeleteInstance.Input) async throws -> Operations.DeleteInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        try await gateway.instances.delete(id, by: principal)
        return .noContent(.init())
    }

    func startInstance(_ input: Operations.StartInstance.Input) async throws -> Operations.StartInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.start(id, by: principal)))))
    }

    func stopInstance(_ input: Operations.StopInstance.Input) async throws -> Operations.StopInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.stop(id, by: principal)))))
    }

    func restartInstance(_ input: Operations.RestartInstance.Input) async throws -> Operations.RestartInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.restart(id, by: principal)))))
    }

    func logoutInstance(_ input: Operations.LogoutInstance.Input) async throws -> Operations.LogoutInstance.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.logout(id, by: principal)))))
    }

    func getInstanceStatus(_ input: Operations.GetInstanceStatus.Input) async throws
        -> Operations.GetInstanceStatus.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        return .ok(.init(body: .json(.init(try await gateway.instances.status(id, by: principal)))))
    }

    func getInstanceQRCode(_ input: Operations.GetInstanceQRCode.Input) async throws
        -> Operations.GetInstanceQRCode.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let code = try await currentLinkCode(.qrCode, of: id, by: principal)
        return .ok(.init(body: .json(.init(code))))
    }

    func getInstanceQRCodeImage(_ input: Operations.GetInstanceQRCodeImage.Input) async throws
        -> Operations.GetInstanceQRCodeImage.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let scale = input.query.scale ?? 8
        guard (1...32).contains(scale) else { throw WAError.invalid("scale", "scale must be between 1 and 32") }
        let code = try await currentLinkCode(.qrCode, of: id, by: principal)
        let png = try QRCodeImage.png(for: code.value, scale: scale)
        return .ok(.init(headers: .init(cacheControl: "no-store"), body: .png(HTTPBody(png))))
    }

    func requestInstancePairingCode(_ input: Operations.RequestInstancePairingCode.Input) async throws
        -> Operations.RequestInstancePairingCode.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let phone = try APIInput.phone(body.phone, field: "phone")
        let instance = try await gateway.instances.requestPairingCode(id, phone: phone, by: principal)
        return .accepted(.init(body: .json(.init(instance))))
    }

    func getInstancePairingCode(_ input: Operations.GetInstancePairingCode.Input) async throws
        -> Operations.GetInstancePairingCode.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        let code = try await currentLinkCode(.pairingCode, of: id, by: principal)
        return .ok(.init(body: .json(.init(code))))
    }

    /// The instance's current link code of `kind`; `invalid_instance_state` (409) while it shows none of that kind.
    private func currentLinkCode(_ kind: LinkCode.Kind, of id: InstanceID, by principal: Principal) async throws
        -> LinkCode
    {
        guard let code = try await gateway.instances.linkCode(id, by: principal), code.kind == kind else {
            let waitingFor = kind == .qrCode ? "a QR code scan" : "a pairing code"
            throw WAError(.invalidInstanceState, "the instance is not waiting for \(waitingFor)")
        }
        return code
    }
}
