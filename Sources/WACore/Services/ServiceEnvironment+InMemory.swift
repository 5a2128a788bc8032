public import Logging

extension ServiceEnvironment {
    /// Everything in this process's memory: a fresh ``MemoryStore`` (rate-limit state included) and
    /// ``MemoryMediaStore``, and a secret box with a new random key.
    ///
    /// For demos, embedding the gateway in one process, and `wa-gateway serve --store memory`. Data, rate-limit
    /// state and the secret key live as long as the environment does; several nodes need a shared store instead.
    ///
    /// ```swift
    /// let gateway = Gateway(environment: .inMemory(), transport: whatsapp)
    /// ```
    ///
    /// Tests pass a `TestClock` and a seeded random source, or use `ServiceEnvironment.testing` from
    /// WACoreTesting, which also picks a fast password hasher.
    ///
    /// - Parameters:
    ///   - clock: the system clock by default.
    ///   - random: the system's secure random source by default; keys, tokens and secrets come from it.
    ///   - passwordHasher: bcrypt at its default cost by default.
    ///   - wakeUps: whether the store wakes idle workers as soon as a commit gives them work (a ``WakeUpSignal``);
    ///     without, workers find it at their next poll.
    ///   - logger: where services and workers report what they cannot hand to a caller.
    public static func inMemory(
        clock: any WallClock = SystemWallClock(), random: any RandomSource = SystemRandomSource(),
        passwordHasher: any PasswordHasher = BcryptPasswordHasher(), wakeUps: Bool = true,
        logger: Logger = Logger(label: "wa-gateway")
    ) -> ServiceEnvironment {
        let keyring: SecretKeyring
        do {
            keyring = try SecretKeyring(current: .generate(id: 1, using: random))
        } catch {
            preconditionFailure("a keyring of one key cannot hold a duplicate id: \(error)")
        }
        return ServiceEnvironment(
            store: MemoryStore(wakeUps: wakeUps ? WakeUpSignal() : nil), clock: clock, random: random, passwordHasher: passwordHasher,
            secretBox: SecretBox(keyring: keyring, random: random), media: MemoryMediaStore(), logger: logger)
    }
}
