extension Gateway {
    /// How a ``Gateway`` is set up: its node name, how many loops its workers run, and the policies its services
    /// and workers follow. Every value has the default `wa-gateway` uses.
    public struct Configuration: Sendable {
        /// This node's name: it holds instance leases and job claims under it, so nodes sharing a store need
        /// different names.
        public var nodeID: String
        /// Parallel dispatch loops (one account still sends one message at a time).
        public var dispatchLoops: Int
        /// Parallel webhook delivery loops.
        public var webhookLoops: Int
        /// Leases, reconnect backoff, QR and pairing-code lifetimes, proxy and fingerprint provisioning.
        public var supervisor: InstanceSupervisor.Configuration
        /// Typing speed, pauses and gaps between sends.
        public var behaviour: BehaviourPlanner
        /// When the risk monitor slows or pauses an account.
        public var riskPolicy: RiskPolicy
        /// Which webhook URLs are accepted (HTTPS only and no private addresses, by default).
        public var webhookURLPolicy: WebhookURLPolicy
        /// When failed webhook deliveries are retried.
        public var webhookRetryPolicy: WebhookRetryPolicy
        /// The time limit of one webhook request.
        public var webhookRequestTimeout: Duration
        /// Campaign wave sizes and spacing.
        public var campaignPacing: CampaignPacing
        /// How long the event log keeps events (``EventLogService``); the gateway prunes older ones hourly.
        public var eventRetention: Duration
        /// How long finished jobs (completed, failed or cancelled) stay in the queue for inspection; the gateway
        /// prunes older ones hourly. Nothing depends on them once finished: a campaign's progress is counted on the
        /// campaign, a message's status on the message.
        public var jobRetention: Duration

        /// A configuration; every parameter has the gateway's default.
        public init(
            nodeID: String = "node-1", dispatchLoops: Int = 1, webhookLoops: Int = 1,
            supervisor: InstanceSupervisor.Configuration = .init(), behaviour: BehaviourPlanner = BehaviourPlanner(),
            riskPolicy: RiskPolicy = .standard, webhookURLPolicy: WebhookURLPolicy = .standard,
            webhookRetryPolicy: WebhookRetryPolicy = .standard, webhookRequestTimeout: Duration = .seconds(15),
            campaignPacing: CampaignPacing = CampaignPacing(), eventRetention: Duration = .seconds(7 * 86_400),
            jobRetention: Duration = .seconds(7 * 86_400)
        ) {
            self.nodeID = nodeID
            self.dispatchLoops = dispatchLoops
            self.webhookLoops = webhookLoops
            self.supervisor = supervisor
            self.behaviour = behaviour
            self.riskPolicy = riskPolicy
            self.webhookURLPolicy = webhookURLPolicy
            self.webhookRetryPolicy = webhookRetryPolicy
            self.webhookRequestTimeout = webhookRequestTimeout
            self.campaignPacing = campaignPacing
            self.eventRetention = eventRetention
            self.jobRetention = jobRetention
        }
    }
}
