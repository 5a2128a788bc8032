public import WACore

extension ServiceEnvironment {
    /// A complete environment for tests and examples: a fresh ``MemoryStore``, ``MemoryRateLimitStore`` and
    /// ``MemoryMediaStore``, the given test clock, a seeded random source, a fast (insecure) password hasher and a
    /// secret box with a generated key.
    public static func inMemory(clock: TestClock = TestClock(), seed: UInt64 = 1) -> ServiceEnvironment {
        let random = SeededRandomSource(seed: seed)
        // The keyring key is valid by construction; a failure here is a bug in SecretKeyring.
        let keyring = try! SecretKeyring(current: .generate(id: 1, using: random))
        return ServiceEnvironment(
            store: MemoryStore(), clock: clock, random: random,
            ids: IdentifierGenerator(clock: clock, random: random),
            passwordHasher: InsecureFastPasswordHasher(random: random),
            secretBox: SecretBox(keyring: keyring, random: random), rateLimits: MemoryRateLimitStore(),
            media: MemoryMediaStore())
    }
}
