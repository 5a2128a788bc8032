public import WACore

extension ServiceEnvironment {
    /// A complete environment for tests and examples: ``ServiceEnvironment/inMemory(clock:random:passwordHasher:wakeUps:logger:)``
    /// on the given test clock, with a seeded random source, a fast (insecure) password hasher and no wake-ups
    /// (workers move only when the clock says their poll interval has passed, or when `wakeUps` is set). The clock
    /// watches the store (``TestClock/addActivityProbe(_:)``), so it moves time on its own only while nothing uses
    /// the store.
    public static func testing(clock: TestClock = TestClock(), seed: UInt64 = 1, wakeUps: Bool = false)
        -> ServiceEnvironment
    {
        let random = SeededRandomSource(seed: seed)
        let environment = ServiceEnvironment.inMemory(
            clock: clock, random: random, passwordHasher: InsecureFastPasswordHasher(random: random), wakeUps: wakeUps)
        if let store = environment.store as? MemoryStore {
            clock.addActivityProbe { store.activityCount }
        }
        return environment
    }
}
