import Synchronization
import Testing
import WACore
import WACoreTesting

/// Password hashing goes through the environment's blocking-work runner, so a server can keep it off Swift's
/// cooperative pool.
@Suite struct PasswordWorkTests {
    /// Counts the work it runs (inline).
    final class CountingRunner: BlockingWorkRunner {
        let count = Mutex(0)
        func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value {
            count.withLock { $0 += 1 }
            return work()
        }
    }

    /// A runner whose pool has shut down.
    struct ClosedRunner: BlockingWorkRunner {
        struct Closed: Error {}
        func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value { throw Closed() }
    }

    @Test func everyHashAndVerificationRunsOnTheRunner() async throws {
        var environment = ServiceEnvironment.testing()
        let runner = CountingRunner()
        environment.blockingWork = runner
        let team = TeamService(environment: environment)
        _ = try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ada@acme.example", adminName: "Ada",
            adminPassword: "correct horse battery staple")
        #expect(runner.count.withLock { $0 } == 1)
        _ = try await team.signIn(organizationSlug: "acme", email: "ada@acme.example", password: "correct horse battery staple")
        #expect(runner.count.withLock { $0 } == 2)
        // An unknown account costs the same hashing work, on the runner too.
        await #expect(throws: WAError.self) {
            _ = try await team.signIn(organizationSlug: "acme", email: "bob@acme.example", password: "whatever it is")
        }
        #expect(runner.count.withLock { $0 } == 3)
    }

    @Test func aRunnerThatCannotRunRefusesTheSignInInsteadOfHashingInline() async throws {
        var environment = ServiceEnvironment.testing()
        let team = TeamService(environment: environment)
        _ = try await team.createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ada@acme.example", adminName: "Ada",
            adminPassword: "correct horse battery staple")
        environment.blockingWork = ClosedRunner()
        let closed = TeamService(environment: environment)
        await #expect(throws: ClosedRunner.Closed.self) {
            _ = try await closed.signIn(
                organizationSlug: "acme", email: "ada@acme.example", password: "correct horse battery staple")
        }
    }
}
