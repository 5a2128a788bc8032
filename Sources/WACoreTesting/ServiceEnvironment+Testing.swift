public import WACore

extension ServiceEnvironment {
    /// A complete environment for tests and examples: ``ServiceEnvironment/inMemory(clock:random:passwordHasher:wakeUps:logger:)``
    /// on the given test clock, with a seeded random source, a fast (insecure) password hasher, a
    /// ``RecordingAccountNotifier`` (``ServiceEnvironment/accountNotifier``) and no wake-ups
    /// (workers move only when the clock says their poll interval has passed, or when `wakeUps` is set). The clock
    /// watches the store (``TestClock/addActivityProbe(_:)``), so it moves time on its own only while nothing uses
    /// the store.
    public static func testing(clock: TestClock = TestClock(), seed: UInt64 = 1, wakeUps: Bool = false)
        -> ServiceEnvironment
    {
        let random = SeededRandomSource(seed: seed)
        var environment = ServiceEnvironment.inMemory(
            clock: clock, random: random, passwordHasher: InsecureFastPasswordHasher(random: random), wakeUps: wakeUps)
        environment.accountNotifier = RecordingAccountNotifier()
        if let store = environment.store as? MemoryStore {
            clock.addActivityProbe { store.activityCount }
        }
        return environment
    }

    /// The same on another store (a storage adapter's, for end-to-end tests on it): a seeded random source, a fast
    /// password hasher, a ``RecordingAccountNotifier`` and a secret box with a seeded key. `activity` is a counter of the store's work that changes
    /// while it is busy (a `PostgresStore`'s `runner.activityCount`); the clock watches it
    /// (``TestClock/addActivityProbe(_:)``) so that time moves on its own only while the store is idle.
    public static func testing(
        store: any Store, media: any MediaStore, activity: @escaping @Sendable () -> Int, clock: TestClock = TestClock(),
        seed: UInt64 = 1
    ) -> ServiceEnvironment {
        let random = SeededRandomSource(seed: seed)
        let keyring: SecretKeyring
        do {
            keyring = try SecretKeyring(current: .generate(id: 1, using: random))
        } catch {
            preconditionFailure("a keyring of one key cannot hold a duplicate id: \(error)")
        }
        clock.addActivityProbe(activity)
        return ServiceEnvironment(
            store: store, clock: clock, random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
            secretBox: SecretBox(keyring: keyring, random: random), media: media,
            accountNotifier: RecordingAccountNotifier())
    }
}
