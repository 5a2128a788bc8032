import WACore
import WAOpenAPI

extension RESTAPI {
    func simulateQRCodeScan(_ input: Operations.SimulateQRCodeScan.Input) async throws
        -> Operations.SimulateQRCodeScan.Output
    {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let phone = try APIInput.phone(body.phone, field: "phone")
        // Reading the link code checks that the caller may link this instance (and that it is theirs).
        let code = try await gateway.instances.linkCode(id, by: principal)
        guard let network = gateway.transport as? SimulatedWhatsApp else {
            throw WAError(.notFound, "this gateway does not run the simulated WhatsApp network")
        }
        guard let code, code.kind == .qrCode else {
            throw WAError(.invalidInstanceState, "the instance is not waiting for a QR code scan")
        }
        if network.phone(phone) == nil {
            network.addPhone(phone, name: body.name ?? "Simulated \(phone.e164)")
        }
        try network.scan(qrCode: code.value, with: phone)
        return .accepted(.init(body: .json(.init(try await gateway.instances.get(id, by: principal)))))
    }
}

extension RESTAPI {
    func addSimulatedPhone(_ input: Operations.AddSimulatedPhone.Input) async throws
        -> Operations.AddSimulatedPhone.Output
    {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        try gateway.environment.policy.require(principal, .instancesLink, on: .organization(principal.organizationID))
        let phone = try APIInput.phone(body.phone, field: "phone")
        guard let network = gateway.transport as? SimulatedWhatsApp else {
            throw WAError(.notFound, "this gateway does not run the simulated WhatsApp network")
        }
        let name = body.name ?? "Simulated \(phone.e164)"
        guard (1...100).contains(name.count) else { throw WAError.invalid("name", "a name is 1–100 characters") }
        network.addPhone(phone, name: name)
        return .created(.init(body: .json(.init(phone: phone.e164, name: name))))
    }
}
