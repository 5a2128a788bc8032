public import Foundation
import Logging
public import ServiceLifecycle

/// The whole gateway in one value: every service and background worker, wired the way `wa-gateway` runs them.
///
/// ```swift
/// let whatsapp = SimulatedWhatsApp(clock: SystemWallClock(), random: SystemRandomSource())
/// let gateway = Gateway(environment: .inMemory(), transport: whatsapp)
/// let (organization, admin) = try await gateway.team.createOrganization(
///     name: "Acme", slug: "acme", plan: .pro, adminEmail: "ana@example.com", adminName: "Ana",
///     adminPassword: "correct horse battery staple")
/// try await ServiceGroup(services: [gateway], logger: logger).run()   // or: try await gateway.run()
/// ```
///
/// **Services** (``team``, ``instances``, ``messaging`` …) are what an application calls, each with a
/// ``Principal``. **Workers** (``supervisor``, ``dispatcher``, ``campaignWorker``, ``webhookFanOut``,
/// ``webhookWorker``) do the work in the background while ``run()`` runs. Everything shares one ``ServiceEnvironment`` (store, clock, random source,
/// secrets, rate-limit and media stores) and one webhook publisher, so every change that has a webhook event
/// publishes it: instances, messages, campaigns, automations, contacts, the risk monitor.
///
/// **Replacing parts.** The environment, the transport, the webhook sender and every policy in
/// ``Configuration`` are parameters. Services are cheap values over the environment: an application that needs
/// one configured differently builds it from ``environment`` beside the gateway.
///
/// **Driving it yourself.** ``runDueJobs(batchSize:)`` handles the jobs that are due now and
/// ``nextJobTime()`` says when the next one will be; on a `TestClock`, WACoreTesting's `runUntilIdle()` uses
/// both to run everything (due jobs, campaign waves, deliveries, the simulator's replies) in virtual time.
public final class Gateway: Service, Sendable {
    /// The store, clock, random source, secrets and shared stores everything uses.
    public let environment: ServiceEnvironment
    /// How the gateway is set up.
    public let configuration: Configuration
    /// Makes the WhatsApp sessions (`WABrowser`'s Chromium transport, or ``SimulatedWhatsApp``).
    public let transport: any WhatsAppTransport

    // MARK: Services

    /// Organizations, members, invitations, sign-in and passwords.
    public let team: TeamService
    /// The organization as a whole: deleting it with everything it owns.
    public let organizations: OrganizationService
    /// API keys: issue, list, revoke, rotate, authenticate.
    public let apiKeys: APIKeyService
    /// WhatsApp accounts: create, start, stop, link, status and risk state.
    public let instances: InstanceService
    /// Sending, listing and searching messages; marking chats seen.
    public let messaging: MessagingService
    /// Chats: lists with unread counts, marking seen, presence.
    public let chats: ChatService
    /// Reacting to messages, and deleting or editing the instance's own, through the live session.
    public let messageActions: MessageActionService
    /// The WhatsApp groups of each instance's account, with their members.
    public let groups: GroupService
    /// The organization's proxy pool.
    public let proxies: ProxyService
    /// Contacts, tags, CSV import, opt-out.
    public let contacts: ContactService
    /// Message templates.
    public let templates: TemplateService
    /// Campaigns: create, start, pause, resume, cancel, progress and reports.
    public let campaigns: CampaignService
    /// Keyword automations.
    public let automations: AutomationService
    /// Webhook endpoints, deliveries and replays; also the publisher every other part uses.
    public let webhooks: WebhookService
    /// Uploads, downloads and quotas.
    public let media: MediaService
    /// Delivery, read and reply rates, funnels, daily series, segments and exports.
    public let analytics: AnalyticsService
    /// The audit trail.
    public let audit: AuditService
    /// The risk monitor: signals, throttle and pause, alerts.
    public let risk: RiskService
    /// The event log: every domain event in commit order, to read or to watch live.
    public let events: EventLogService

    // MARK: Workers

    /// Runs the WhatsApp sessions of this node and turns their events into stored facts.
    public let supervisor: InstanceSupervisor
    /// Sends queued messages, human-shaped and within the anti-ban limits.
    public let dispatcher: MessageDispatcher
    /// Creates campaign messages wave by wave.
    public let campaignWorker: CampaignWaveWorker
    /// Reads the event log and creates webhook deliveries (``WebhookFanOutWorker``).
    public let webhookFanOut: WebhookFanOutWorker
    /// Sends webhook deliveries; `nil` without a webhook sender (deliveries then wait in the queue, nothing is
    /// lost).
    public let webhookWorker: WebhookDeliveryWorker?
    /// Answers inbound messages with the organization's automations.
    public let automationEngine: AutomationEngine
    /// Stores what sessions report (receipts, inbound messages, opt-out keywords) and feeds the risk monitor and
    /// the automations.
    public let eventHandler: MessageEventHandler

    /// A gateway over `environment` whose sessions `transport` makes.
    ///
    /// - Parameters:
    ///   - environment: the store and everything else the services share (``ServiceEnvironment/inMemory(clock:random:passwordHasher:wakeUps:logger:)``
    ///     for one process without a database).
    ///   - transport: makes the WhatsApp sessions.
    ///   - webhookSender: makes webhook HTTP requests. Without one, deliveries are recorded and queued but not
    ///     sent until a gateway with a sender runs on the same store.
    ///   - configuration: node name, worker counts and policies.
    public init(
        environment: ServiceEnvironment, transport: any WhatsAppTransport, webhookSender: (any WebhookSender)? = nil,
        configuration: Configuration = Configuration()
    ) {
        self.environment = environment
        self.configuration = configuration
        self.transport = transport

        let webhooks = WebhookService(
            environment: environment, urlPolicy: configuration.webhookURLPolicy,
            retryPolicy: configuration.webhookRetryPolicy)
        let risk = RiskService(environment: environment, webhooks: webhooks, policy: configuration.riskPolicy)
        let engine = AutomationEngine(environment: environment, webhooks: webhooks)
        let handler = MessageEventHandler(
            environment: environment, webhooks: webhooks, risk: risk, onInbound: engine.handleInbound)
        let supervisor = InstanceSupervisor(
            environment: environment, transport: transport, nodeID: configuration.nodeID, webhooks: webhooks,
            eventHandler: handler, configuration: configuration.supervisor)
        let campaigns = CampaignService(
            environment: environment, webhooks: webhooks, pacing: configuration.campaignPacing)

        self.webhooks = webhooks
        self.risk = risk
        self.automationEngine = engine
        self.eventHandler = handler
        self.supervisor = supervisor
        self.campaigns = campaigns
        team = TeamService(environment: environment)
        apiKeys = APIKeyService(environment: environment)
        instances = InstanceService(environment: environment, supervisor: supervisor)
        organizations = OrganizationService(environment: environment, supervisor: supervisor)
        messaging = MessagingService(environment: environment, webhooks: webhooks)
        chats = ChatService(environment: environment, messaging: messaging, sessions: supervisor)
        messageActions = MessageActionService(environment: environment, sessions: supervisor, webhooks: webhooks)
        groups = GroupService(environment: environment, sessions: supervisor)
        proxies = ProxyService(environment: environment)
        contacts = ContactService(environment: environment)
        templates = TemplateService(environment: environment)
        automations = AutomationService(environment: environment)
        media = MediaService(environment: environment)
        analytics = AnalyticsService(environment: environment)
        audit = AuditService(environment: environment)
        events = EventLogService(environment: environment, retention: configuration.eventRetention)
        dispatcher = MessageDispatcher(
            environment: environment, sessions: supervisor, webhooks: webhooks, planner: configuration.behaviour,
            risk: risk)
        campaignWorker = CampaignWaveWorker(service: campaigns)
        webhookFanOut = WebhookFanOutWorker(service: webhooks)
        webhookWorker = webhookSender.map {
            WebhookDeliveryWorker(service: webhooks, sender: $0, requestTimeout: configuration.webhookRequestTimeout)
        }
    }

    // MARK: Running

    /// The background work of this node as one ServiceLifecycle `Service`: the supervisor (resuming the instances
    /// that should run, adopting orphaned ones), ``Configuration/dispatchLoops`` dispatch loops, the campaign
    /// worker, the webhook fan-out, ``Configuration/webhookLoops`` webhook loops, and the hourly pruning of the
    /// event log.
    ///
    /// On graceful shutdown every loop stops taking new work and finishes what it holds (see ``GatewayWorker``),
    /// the sessions stop and their leases are released, and `run()` returns. Errors a loop survives (a store
    /// hiccup) are logged on the environment's logger.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.runUntilCancelled()
        }
    }

    /// The same work as ``run()`` without ServiceLifecycle: runs until the calling task is cancelled.
    public func runUntilCancelled() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.worker.runUntilCancelled() }
            group.addTask { await self.upkeepHourly() }
            try await group.waitForAll()
        }
    }

    /// Removes events older than ``Configuration/eventRetention``, jobs finished longer than
    /// ``Configuration/jobRetention`` ago, and the messages and media the plans no longer keep
    /// (``RetentionService``), now and then every hour, until cancelled.
    private func upkeepHourly() async {
        while !Task.isCancelled {
            await environment.bestEffort("pruning the event log (tried again in an hour)", [:]) {
                _ = try await self.events.pruneExpired()
            }
            await environment.bestEffort("pruning finished jobs (tried again in an hour)", [:]) {
                _ = try await self.pruneFinishedJobs()
            }
            await environment.bestEffort("applying the plans' data retention (tried again in an hour)", [:]) {
                _ = try await RetentionService(environment: self.environment).applyRetention()
            }
            do { try await environment.clock.sleepForUpkeep(for: .seconds(3_600)) } catch { return }
        }
    }

    /// Deletes the jobs that finished longer than ``Configuration/jobRetention`` ago, 1,000 per transaction, and
    /// returns how many it deleted. The gateway does this hourly while it runs.
    @discardableResult
    public func pruneFinishedJobs() async throws -> Int {
        let cutOff = environment.clock.now().subtracting(configuration.jobRetention)
        var total = 0
        while true {
            let pruned = try await environment.store.transaction(.system) {
                try await $0.jobs.pruneFinished(before: cutOff, limit: 1_000)
            }
            total += pruned
            if pruned < 1_000 { return total }
        }
    }

    /// The workers as a ``GatewayWorker``.
    public var worker: GatewayWorker {
        let logger = environment.logger
        return GatewayWorker(
            nodeID: configuration.nodeID, supervisor: supervisor, dispatcher: dispatcher,
            fanOutWorker: webhookFanOut, webhookWorker: webhookWorker, campaignWorker: campaignWorker,
            dispatchLoops: configuration.dispatchLoops, webhookLoops: configuration.webhookLoops,
            onError: { error in
                logger.warning(
                    "a worker loop failed and goes on",
                    metadata: ["error": "\(ServiceEnvironment.safeDescription(error))"])
            })
    }

    /// The job queues this gateway's workers take from.
    public var queues: Set<String> {
        var queues: Set<String> = [
            MessagingService.sendQueue, MessagingService.seenQueue, MessagingService.mediaQueue, CampaignService.waveQueue,
            CampaignService.finishQueue, WebhookService.fanOutQueue,
        ]
        if webhookWorker != nil { queues.insert(WebhookService.deliveryQueue) }
        return queues
    }

    /// Handles every job that is due now, as the workers would: campaign waves (which queue messages), then
    /// sends and read receipts, then the webhook fan-out, then webhook deliveries; again until a round finds
    /// nothing due. Returns how many
    /// jobs were claimed.
    ///
    /// Sends are paced on the environment's clock (typing, pauses), so on the system clock this takes the time
    /// the sends take. The sessions keep running on their own; this call does not wait for their events.
    @discardableResult
    public func runDueJobs(batchSize: Int = 20) async throws -> Int {
        let node = configuration.nodeID
        var total = 0
        while true {
            var round = try await campaignWorker.runOnce(worker: "\(node)/campaigns-0", limit: batchSize)
            round += try await dispatcher.runOnce(worker: "\(node)/dispatch-0", limit: batchSize)
            round += try await webhookFanOut.runOnce(worker: "\(node)/fan-out-0", limit: batchSize)
            if let webhookWorker {
                round += try await webhookWorker.runOnce(worker: "\(node)/webhooks-0", limit: batchSize)
            }
            guard round > 0 else { return total }
            total += round
        }
    }

    /// When a job of ``queues`` can next be claimed: at or before now when one is due, `nil` when no job is
    /// waiting (``JobRepository/nextClaimTime(queues:now:)``).
    public func nextJobTime() async throws -> Date? {
        let now = environment.clock.now()
        let queues = self.queues
        return try await environment.store.transaction(.system) { tx in
            try await tx.jobs.nextClaimTime(queues: queues, now: now)
        }
    }
}
