public import ServiceLifecycle

/// The gateway's background work as one ServiceLifecycle `Service`: the instance supervisor, message dispatchers,
/// the webhook fan-out, webhook delivery workers and the campaign wave worker.
///
/// On graceful shutdown (SIGTERM through a `ServiceGroup`) every loop stops taking new work, finishes or hands
/// back what it holds (dispatchers finish the sends in hand; webhook workers finish the delivery in hand and
/// return the rest of their batch to the queue; the supervisor stops its sessions and releases their leases),
/// and `run()` returns.
///
/// ```swift
/// let worker = GatewayWorker(nodeID: "node-a", supervisor: supervisor, dispatcher: dispatcher,
///                            fanOutWorker: fanOut, webhookWorker: webhookWorker)
/// let group = ServiceGroup(services: [worker, httpServer], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct GatewayWorker: Service {
    public var nodeID: String
    public var supervisor: InstanceSupervisor?
    public var dispatcher: MessageDispatcher?
    /// Turns the event log into webhook deliveries (one loop).
    public var fanOutWorker: WebhookFanOutWorker?
    public var webhookWorker: WebhookDeliveryWorker?
    /// Creates campaign messages wave by wave.
    public var campaignWorker: CampaignWaveWorker?
    /// Parallel dispatch loops (each claims its own batches; one instance's sends stay in order within a batch).
    public var dispatchLoops: Int
    /// Parallel webhook delivery loops.
    public var webhookLoops: Int
    /// Receives errors a loop survived (store hiccups); the loop goes on.
    public var onError: (@Sendable (any Error) -> Void)?

    public init(
        nodeID: String, supervisor: InstanceSupervisor? = nil, dispatcher: MessageDispatcher? = nil,
        fanOutWorker: WebhookFanOutWorker? = nil, webhookWorker: WebhookDeliveryWorker? = nil, campaignWorker: CampaignWaveWorker? = nil,
        dispatchLoops: Int = 1, webhookLoops: Int = 1,
        onError: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.nodeID = nodeID
        self.supervisor = supervisor
        self.dispatcher = dispatcher
        self.fanOutWorker = fanOutWorker
        self.webhookWorker = webhookWorker
        self.campaignWorker = campaignWorker
        self.dispatchLoops = dispatchLoops
        self.webhookLoops = webhookLoops
        self.onError = onError
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await runUntilCancelled()
        }
    }

    /// The same work without ServiceLifecycle: runs until the calling task is cancelled.
    public func runUntilCancelled() async throws {
        let onError = self.onError ?? { _ in }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let supervisor {
                group.addTask { await supervisor.run() }
            }
            if let dispatcher {
                for loop in 0..<max(1, dispatchLoops) {
                    group.addTask { try await dispatcher.run(worker: "\(nodeID)/dispatch-\(loop)", onError: onError) }
                }
            }
            if let fanOutWorker {
                group.addTask { try await fanOutWorker.run(worker: "\(nodeID)/fan-out-0", onError: onError) }
            }
            if let webhookWorker {
                for loop in 0..<max(1, webhookLoops) {
                    group.addTask { try await webhookWorker.run(worker: "\(nodeID)/webhooks-\(loop)", onError: onError) }
                }
            }
            if let campaignWorker {
                group.addTask { try await campaignWorker.run(worker: "\(nodeID)/campaigns-0", onError: onError) }
            }
            try await group.waitForAll()
        }
    }
}
