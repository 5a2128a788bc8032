/// Which tenant a transaction acts for.
public enum TransactionScope: Sendable, Hashable {
    /// Everything in the transaction belongs to this organization; a call naming another one fails with
    /// ``WAError/Code-swift.enum/tenantMismatch`` (and PostgreSQL's row-level security enforces the same).
    case organization(OrganizationID)
    /// Cross-tenant work the gateway itself does: creating organizations, authenticating API keys, queue
    /// maintenance. Never used on behalf of an API client.
    case system

    /// Whether a call naming `organization` is allowed in this scope.
    public func permits(_ organization: OrganizationID) -> Bool {
        switch self {
        case .organization(let id): id == organization
        case .system: true
        }
    }
}

/// The repositories of one transaction. Everything done through one `StoreTransaction` commits together or not at
/// all.
public protocol StoreTransaction: Sendable {
    var scope: TransactionScope { get }
    var organizations: any OrganizationRepository { get }
    var members: any MemberRepository { get }
    /// Members' password hashes, one per member with a password (``MemberCredential``): apart from ``members``
    /// so that no member read carries one.
    var memberCredentials: any Repository<MemberCredential> { get }
    var apiKeys: any APIKeyRepository { get }
    var instances: any InstanceRepository { get }
    /// Instances' sealed session archives, one per linked instance (``SealedSessionArchive``): apart from
    /// ``instances`` so that no instance read carries one.
    var sessionArchives: any Repository<SealedSessionArchive> { get }
    /// Instances' risk monitors, one per instance that has had a signal (``RiskMonitorRecord``): apart from
    /// ``instances`` so that the instance row stays small while every send rewrites the monitor.
    var riskMonitors: any Repository<RiskMonitorRecord> { get }
    /// Contacts. Deleting one also deletes its ``contactActivities``.
    var contacts: any ContactRepository { get }
    /// What each contact's messages say about its engagement, kept by ``messages``, and the segment queries
    /// (``ContactActivityRepository``).
    var contactActivities: any ContactActivityRepository { get }
    var chats: any ChatRepository { get }
    /// Messages. Every insert and update also keeps ``rollups``.
    var messages: any MessageRepository { get }
    /// Message figures per quarter-hour, kept by ``messages`` (``MessageRollupRepository``).
    var rollups: any MessageRollupRepository { get }
    var templates: any TemplateRepository { get }
    var campaigns: any Repository<Campaign> { get }
    var automations: any Repository<Automation> { get }
    var webhookEndpoints: any Repository<WebhookEndpoint> { get }
    var deliveries: any DeliveryRepository { get }
    /// Append-only: updates and deletes fail.
    var auditEvents: any Repository<AuditEvent> { get }
    var mediaObjects: any Repository<MediaObject> { get }
    var proxyServers: any Repository<ProxyServer> { get }
    var riskAlerts: any Repository<RiskAlert> { get }
    /// The durable job queue.
    var jobs: any JobRepository { get }
    /// Instance ownership between gateway nodes.
    var leases: any LeaseRepository { get }
    /// Every organization's domain events, numbered in commit order.
    var eventLog: any EventLogRepository { get }
    /// The store's rate-limit state (``Store/rateLimits``) as this transaction reads it: for a decision that gates
    /// a write of this transaction (the organization's daily quota when a send is accepted), so that it needs no
    /// second connection. Decisions that gate no write here (pacing at dispatch) go to ``Store/rateLimits``
    /// outside any transaction.
    var rateLimits: any RateLimitReader { get }
}

/// Durable storage for every aggregate: ``MemoryStore`` in WACore, `PostgresStore` in WAPostgres.
///
/// One use case is one transaction:
/// ```swift
/// let message = try await store.transaction(.organization(orgID)) { tx in
///     let message = try await tx.messages.insert(newMessage)
///     _ = try await tx.auditEvents.insert(audit)
///     return message
/// }
/// ```
/// If `body` throws, nothing it wrote is kept. Transactions do not nest: opening one inside another on the same
/// store fails with ``WAError/Code-swift.enum/transactionMisuse``. The transaction object must not be used after
/// `body` returns.
///
/// ## Isolation
///
/// Adapters run transactions at READ COMMITTED, PostgreSQL's default, or stronger: every call sees what was
/// committed before it began, and two transactions may interleave call by call. (``MemoryStore`` runs one
/// transaction at a time, which is stronger.) WACore keeps its invariants under READ COMMITTED with four tools,
/// never by checking in one call and acting in another:
/// - **Optimistic versions.** ``Repository/update(_:)`` writes only the version it read (one conditional
///   statement) and fails with `version_conflict` otherwise.
/// - **Unique keys.** ``Repository/insert(_:)`` fails with `already_exists` when a committed or concurrent record
///   holds one of the entity's unique keys; the adapter waits for a concurrent inserter to finish before it
///   decides. A get-or-create inserts with ``Repository/insertMissing(_:)``, which turns that race into
///   `storage_conflict` so that the transaction runs again and finds the record.
/// - **Locking reads.** ``Repository/findForUpdate(_:in:)`` locks a row until the transaction ends. A
///   transaction that counts a group and then writes to it (plan limits, the last admin, a proxy's load) first
///   locks the row that stands for the group: the organization. ``LeaseRepository/isCurrent(instance:in:token:now:)``
///   holds the lease against a takeover, and ``EventLogRepository/consumer(_:in:)`` locks the consumer.
/// - **Atomic conditional statements** inside repository calls: an idempotent ``JobRepository/enqueue(_:)``,
///   claims that skip rows other workers hold, a lease acquired only when free or expired, fenced job updates.
///
/// A repository call that fails with a ``WAError`` (`already_exists`, `version_conflict`, `not_found`,
/// `lease_lost`, …) leaves the transaction usable: the caller may catch it and go on, and what else the body wrote
/// commits. A PostgreSQL adapter gets there without savepoints: inserts use `ON CONFLICT DO NOTHING` and updates
/// a version condition, and a row count tells it the call failed. When the database itself gives the transaction
/// up (a serialization failure, a deadlock, a lock timeout), the adapter throws `storage_conflict`; nothing was
/// kept, and ``transaction(_:retryingConflicts:_:)`` runs the body again.
public protocol Store: Sendable {
    /// The store's rate-limit state, updated outside any transaction (one atomic call per decision): what the
    /// services use for pacing at dispatch, throttles and quotas. A transaction reads the same state through
    /// ``StoreTransaction/rateLimits``.
    var rateLimits: any RateLimitStore { get }

    /// Wakes idle workers when a commit gives them work (``WorkerWakeUps``), or `nil` when workers only poll.
    var wakeUps: (any WorkerWakeUps)? { get }

    func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result
}

extension Store {
    /// No wake-ups: workers find work at their next poll.
    public var wakeUps: (any WorkerWakeUps)? { nil }
}
