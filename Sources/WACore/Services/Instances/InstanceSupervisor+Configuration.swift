extension InstanceSupervisor {
    /// The supervisor's timing and identity policies.
    public struct Configuration: Sendable, Hashable {
        /// How long a lease lasts without renewal. Another node may take the instance over this long after the
        /// owner stopped renewing. Default 30 s.
        public var leaseDuration: Duration
        /// How often the owner renews (well below ``leaseDuration``; a third of it by default). Default 10 s.
        public var renewInterval: Duration
        /// Delays between reconnect attempts after transient disconnects.
        public var backoff: ReconnectBackoff
        /// A connection that stayed ready this long resets the backoff to its first step; shorter ones keep
        /// climbing (so a flapping account is not hammered every second). Default 60 s.
        public var stableConnection: Duration
        /// How long a QR code is shown before the session replaces it (the `expires_at` of `instance.qr`
        /// events). WhatsApp Web: about 20 s.
        public var qrCodeLifetime: Duration
        /// How long a pairing code stays valid (WhatsApp Web: about 100 s… a few minutes).
        public var pairingCodeLifetime: Duration
        /// Fingerprint and proxy decisions (including the browser version fingerprints claim).
        public var provisioning: InstanceProvisioning
        /// How often, at most, a ready session's archive is sealed and stored again after the session reported
        /// ``SessionEvent/archiveChanged``: the first change after a quiet interval is stored at once, later ones at
        /// the first lease renewal after the interval has passed. Default 5 minutes.
        public var archiveRefreshInterval: Duration
        /// The most instances this node adopts in ``InstanceSupervisor/resumeAll()``: once it runs this many, it
        /// leaves the other orphaned instances to nodes with room (each browser costs memory). `nil`: no limit.
        /// An explicit ``InstanceSupervisor/start(_:in:)`` is not limited. Default `nil`.
        public var capacity: Int?

        /// A configuration; every parameter defaults to the value documented on its property.
        public init(
            leaseDuration: Duration = .seconds(30), renewInterval: Duration = .seconds(10),
            backoff: ReconnectBackoff = .standard, stableConnection: Duration = .seconds(60),
            qrCodeLifetime: Duration = .seconds(20), pairingCodeLifetime: Duration = .seconds(100),
            provisioning: InstanceProvisioning = InstanceProvisioning(), capacity: Int? = nil,
            archiveRefreshInterval: Duration = .seconds(300)
        ) {
            self.leaseDuration = leaseDuration
            self.renewInterval = renewInterval
            self.backoff = backoff
            self.stableConnection = stableConnection
            self.qrCodeLifetime = qrCodeLifetime
            self.pairingCodeLifetime = pairingCodeLifetime
            self.provisioning = provisioning
            self.capacity = capacity
            self.archiveRefreshInterval = archiveRefreshInterval
        }
    }
}
