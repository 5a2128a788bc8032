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
    var contacts: any ContactRepository { get }
    var chats: any ChatRepository { get }
    var messages: any MessageRepository { get }
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
public protocol Store: Sendable {
    func transaction<Result>(
        _ scope: TransactionScope, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result
}
