public import Logging

/// Everything the services take from the world, in one value.
///
/// Production:
/// ```swift
/// let environment = ServiceEnvironment(
///     store: postgresStore, clock: SystemWallClock(), random: SystemRandomSource(),
///     passwordHasher: BcryptPasswordHasher(), secretBox: SecretBox(keyring: keyring, random: SystemRandomSource()),
///     media: postgresMedia, logger: Logger(label: "wa-gateway"))
/// ```
/// Rate-limit state is the store's own (``Store/rateLimits``). The media store has no default: every node must
/// share it in production, so an in-memory one is a choice to make explicitly (``MemoryMediaStore``, one process
/// only). Tests pass a `MemoryStore`, a `TestClock`, a `SeededRandomSource`, an `InsecureFastPasswordHasher` and the
/// memory stores (`ServiceEnvironment.testing` in WACoreTesting does all of it; ``inMemory(clock:random:passwordHasher:wakeUps:logger:)`` is the same on the system clock).
public struct ServiceEnvironment: Sendable {
    public var store: any Store
    public var clock: any WallClock
    /// Must be ``SystemRandomSource`` in production: keys, tokens and secrets come from it.
    public var random: any RandomSource
    public var ids: IdentifierGenerator
    public var policy: AccessPolicy
    public var passwordHasher: any PasswordHasher
    public var passwordPolicy: PasswordPolicy
    /// Seals webhook secrets, proxy passwords and session archives at rest.
    public var secretBox: SecretBox
    /// Rate-limit state (quotas, instance tiers, pair limits): the store's own (``Store/rateLimits``), so that a
    /// transaction reads the same state (``StoreTransaction/rateLimits``). Shared by every node when the store
    /// is PostgreSQL.
    public var rateLimits: any RateLimitStore { store.rateLimits }
    /// Media bytes.
    public var media: any MediaStore
    /// What ``MediaService`` accepts: size caps per message kind and the allowed types.
    public var mediaPolicy: MediaPolicy
    /// Where services and workers report what they cannot hand to a caller (a store failure in a background
    /// task, an event a session should not have sent). Entries carry organization, instance and job ids, never
    /// secrets or message bodies. The application chooses the backend (`LoggingSystem.bootstrap`).
    public var logger: Logger
    /// Where invitation and password-reset tokens go (``TeamService`` hands each one over after its transaction
    /// commits). By default a ``LoggingAccountNotifier`` (its own logger, labelled
    /// ``LoggingAccountNotifier/label``): the token is logged for an operator to deliver (read its trade-off); set an e-mail or webhook notifier in production, or
    /// ``DiscardingAccountNotifier`` when the application delivers the tokens ``TeamService`` returns.
    public var accountNotifier: any AccountNotifier
    /// Where slow, CPU-bound work runs (password hashing): by default in the calling task
    /// (``InlineBlockingWorkRunner``); a server sets a runner on a thread pool so that hashing never holds a thread of
    /// Swift's cooperative pool.
    public var blockingWork: any BlockingWorkRunner = InlineBlockingWorkRunner()

    /// An environment. `accountNotifier` defaults to a ``LoggingAccountNotifier``.
    public init(
        store: any Store, clock: any WallClock, random: any RandomSource, ids: IdentifierGenerator? = nil,
        policy: AccessPolicy = AccessPolicy(), passwordHasher: any PasswordHasher,
        passwordPolicy: PasswordPolicy = PasswordPolicy(), secretBox: SecretBox,
        media: any MediaStore,
        mediaPolicy: MediaPolicy = MediaPolicy(), logger: Logger = Logger(label: "wa-gateway"),
        accountNotifier: (any AccountNotifier)? = nil
    ) {
        self.store = store
        self.clock = clock
        self.random = random
        self.ids = ids ?? IdentifierGenerator(clock: clock, random: random)
        self.policy = policy
        self.passwordHasher = passwordHasher
        self.passwordPolicy = passwordPolicy
        self.secretBox = secretBox
        self.media = media
        self.mediaPolicy = mediaPolicy
        self.logger = logger
        self.accountNotifier = accountNotifier ?? LoggingAccountNotifier()
    }

    /// An audit event for `action` by `actor`, stamped now.
    func auditEvent(
        _ action: String, by actor: AuditEvent.Actor, in organization: OrganizationID, resourceType: String,
        resourceID: String?, metadata: [String: String] = [:]
    ) -> AuditEvent {
        AuditEvent(
            id: ids.make(), organizationID: organization, actor: actor, action: action, resourceType: resourceType,
            resourceID: resourceID, metadata: metadata, occurredAt: clock.now())
    }
}
