import Foundation
import WACore
import WACoreTesting

/// An instance that is already linked on the simulated network (no supervisor involved): stored as `ready`, its
/// session started and registered in a ``TestSessionDirectory``, and its events fed to a `MessageEventHandler`
/// until the pump is cancelled. The messaging, campaign and automation harnesses stand on it.
struct SimulatedShop: Sendable {
    let instance: Instance
    let phone: SimulatedPhone
    let session: SimulatedSession
    let pump: Task<Void, Never>

    /// Adds `number` to `network` as `name`, links a session of a new instance of `organization` to it and starts
    /// pumping its events to `handler`.
    static func link(
        _ number: PhoneNumber, name: String, instanceName: String, in organization: OrganizationID,
        env: ServiceEnvironment, network: SimulatedWhatsApp, directory: TestSessionDirectory,
        handler: MessageEventHandler, rateLimits: InstanceRateLimits? = nil, warmUp: WarmUpCurve? = nil
    ) async throws -> SimulatedShop {
        let phone = network.addPhone(number, name: name)
        let id: InstanceID = env.ids.make()
        let session = network.makeSimulatedSession(SessionConfiguration(organizationID: organization, instanceID: id))
        try await session.start()
        try network.link(instance: id, to: number)
        let now = env.clock.now()
        let instance = try await env.store.transaction(.organization(organization)) { tx in
            var instance = Instance(
                id: id, organizationID: organization, name: instanceName, phone: number, jid: number.jid,
                status: .ready, createdAt: now)
            instance.rateLimits = rateLimits
            instance.warmUp = warmUp
            instance.linkedAt = now
            return try await tx.instances.insert(instance)
        }
        directory.set(session, for: id)
        let pump = Task {
            for await event in session.events { await handler.handle(event, from: instance) }
        }
        return SimulatedShop(instance: instance, phone: phone, session: session, pump: pump)
    }
}
