import Logging
public import PostgresNIO
public import WACore

/// WACore's ``WACore/Store`` on PostgreSQL: every repository of the contract, on the schema the bundled migrations
/// build (`Docs/Postgres.md`).
///
/// ```swift
/// let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
/// // run `client.run()` alongside (a ServiceGroup service or a task-group child), migrate once, then:
/// try await PostgresMigrator(client: client, logger: logger).migrate()
/// let store = PostgresStore(client: client, logger: logger)
/// let environment = ServiceEnvironment(store: store, …, media: store.media)
/// ```
///
/// Transactions run at READ COMMITTED as the tenant's role (``PostgresTransactionRunner``), so row-level security
/// confines each to its organization; every repository names the organization in every statement as well.
/// Transactions do not nest (`transaction_misuse`), and a transaction's repositories refuse calls after it ends.
public final class PostgresStore: Store {
    /// The transactions' pool and settings.
    public let runner: PostgresTransactionRunner
    /// Rate-limit state, shared by every node (``PostgresRateLimitStore``).
    public let rateLimits: any RateLimitStore
    /// Media bytes in the same database, on the same transactions' pool (``PostgresMediaStore``): the gateway's
    /// ``WACore/ServiceEnvironment`` takes it as `media`. Run its ``PostgresMediaStore/removeAbandonedWrites(olderThan:)``
    /// now and then.
    public let media: PostgresMediaStore
    /// The listener that wakes workers on commits (``PostgresWakeUps``); run it as a service beside the client.
    public let wakeUpListener: PostgresWakeUps
    /// ``wakeUpListener``, as the store's ``WACore/Store/wakeUps``.
    public var wakeUps: (any WorkerWakeUps)? { wakeUpListener }

    @TaskLocal private static var openTransactions: Set<ObjectIdentifier> = []

    /// A store on `client`, whose `run()` the caller keeps running. The database must be migrated
    /// (``PostgresMigrator``).
    public init(client: PostgresClient, logger: Logger) {
        runner = PostgresTransactionRunner(client: client, logger: logger)
        rateLimits = PostgresRateLimitStore(runner: runner)
        media = PostgresMediaStore(runner: runner)
        wakeUpListener = PostgresWakeUps(client: client, logger: logger)
    }

    public func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        let me = ObjectIdentifier(self)
        guard !Self.openTransactions.contains(me) else {
            throw WAError(.transactionMisuse, "transactions on one store do not nest")
        }
        var open = Self.openTransactions
        open.insert(me)
        return try await Self.$openTransactions.withValue(open) {
            try await runner.run(scope) { connection in
                let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                defer { context.close() }
                // Workers are woken by the statements that give them work (PostgresTransactionContext.notify):
                // PostgreSQL delivers the notifications when (and only if) the transaction commits.
                return try await body(PostgresStoreTransaction(context: context))
            }
        }
    }
}

/// The repositories of one ``PostgresStore`` transaction, all on its connection.
struct PostgresStoreTransaction: StoreTransaction {
    let context: PostgresTransactionContext

    var scope: TransactionScope { context.scope }
    var organizations: any OrganizationRepository { PostgresOrganizationRepository(base: .init(context: context)) }
    var members: any MemberRepository { PostgresMemberRepository(base: .init(context: context)) }
    var memberCredentials: any Repository<MemberCredential> {
        PostgresEntityRepository<MemberCredentialMapping>(context: context)
    }
    var apiKeys: any APIKeyRepository { PostgresAPIKeyRepository(base: .init(context: context)) }
    var instances: any InstanceRepository { PostgresInstanceRepository(base: .init(context: context)) }
    var sessionArchives: any Repository<SealedSessionArchive> {
        PostgresEntityRepository<SessionArchiveMapping>(context: context)
    }
    var riskMonitors: any Repository<RiskMonitorRecord> { PostgresEntityRepository<RiskMonitorMapping>(context: context) }
    var contacts: any ContactRepository { PostgresContactRepository(base: .init(context: context)) }
    var contactActivities: any ContactActivityRepository { PostgresContactActivityRepository(context: context) }
    var chats: any ChatRepository { PostgresChatRepository(base: .init(context: context)) }
    var messages: any MessageRepository { PostgresMessageRepository(base: .init(context: context)) }
    var rollups: any MessageRollupRepository { PostgresRollupRepository(context: context) }
    var templates: any TemplateRepository { PostgresTemplateRepository(base: .init(context: context)) }
    var campaigns: any Repository<Campaign> { PostgresEntityRepository<CampaignMapping>(context: context) }
    var automations: any Repository<Automation> { PostgresEntityRepository<AutomationMapping>(context: context) }
    var webhookEndpoints: any Repository<WebhookEndpoint> {
        PostgresEntityRepository<WebhookEndpointMapping>(context: context)
    }
    var deliveries: any DeliveryRepository { PostgresDeliveryRepository(base: .init(context: context)) }
    var auditEvents: any Repository<AuditEvent> { PostgresEntityRepository<AuditEventMapping>(context: context) }
    var mediaObjects: any Repository<MediaObject> { PostgresEntityRepository<MediaObjectMapping>(context: context) }
    var proxyServers: any Repository<ProxyServer> { PostgresEntityRepository<ProxyServerMapping>(context: context) }
    var riskAlerts: any Repository<RiskAlert> { PostgresEntityRepository<RiskAlertMapping>(context: context) }
    var jobs: any JobRepository { PostgresJobRepository(context: context) }
    var leases: any LeaseRepository { PostgresLeaseRepository(context: context) }
    var eventLog: any EventLogRepository { PostgresEventLogRepository(context: context) }
    var rateLimits: any RateLimitReader { PostgresRateLimitReader(context: context) }
}
