/// One named behaviour of a contract (``RepositoryContract``, ``RateLimitStoreContract``, ``MediaStoreContract``),
/// run against the implementation under test, `Subject`.
public struct ContractCase<Subject>: Sendable, CustomStringConvertible {
    public let name: String
    let body: @Sendable (Subject, Fixtures) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (Subject, Fixtures) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the case against `subject`, with fixtures seeded by `seed`. A failed expectation throws a
    /// ``ContractViolation`` naming what differed.
    public func run(on subject: Subject, seed: UInt64 = 1) async throws {
        try await body(subject, Fixtures(seed: seed))
    }

    public var description: String { name }
}
