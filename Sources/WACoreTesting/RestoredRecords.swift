public import WACore

extension Instance {
    /// The same record with its lifecycle at `status` and `desiredState`, as a storage adapter reads it back.
    ///
    /// WACore moves an instance's status only through its ``InstanceLifecycle`` machine; tests that need an
    /// instance in a given state (a contract case, a service test that starts from a linked instance) build it
    /// here, the way a stored row is rebuilt, rather than driving the whole lifecycle.
    public func restored(status: InstanceStatus, desiredState: InstanceDesiredState? = nil) -> Instance {
        Instance(
            id: id, organizationID: organizationID, name: name, phone: phone, jid: jid, status: status,
            proxyPolicy: proxyPolicy, proxyID: proxyID, fingerprint: fingerprint, pairingGeneration: pairingGeneration,
            risk: risk, rateLimits: rateLimits,
            desiredState: desiredState ?? self.desiredState, createdAt: createdAt, updatedAt: updatedAt,
            version: version)
    }
}

extension Campaign {
    /// The same record with its status at `status`, as a storage adapter reads it back (WACore moves a campaign's
    /// status only through ``Campaign/apply(_:)``).
    public func restored(status: Status) -> Campaign {
        Campaign(
            id: id, organizationID: organizationID, instanceID: instanceID, name: name, templateID: templateID,
            audience: audience, schedule: schedule, status: status, progress: progress, recipients: recipients,
            createdBy: createdBy,
            createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}
