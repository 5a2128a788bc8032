import Foundation
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// WACore's services on the PostgreSQL store, where transactions really run side by side.
@Suite("Services on PostgreSQL")
struct PostgresServiceTests {
    /// An environment on `store`, with the system clock, a fast password hasher and a new key.
    static func environment(_ store: PostgresStore) throws -> ServiceEnvironment {
        let random = SystemRandomSource()
        let keyring = try SecretKeyring(current: .generate(id: 1, using: random))
        return ServiceEnvironment(
            store: store, clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
            secretBox: SecretBox(keyring: keyring, random: random), media: MemoryMediaStore())
    }

    /// Eight admins' invitations race for the starter plan's last two seats: exactly two get in, the others are
    /// refused with `plan_limit_reached`, and the organization never has more members than its plan allows.
    @Test func eightClientsRacingAPlanLimitNeverExceedIt() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let env = try Self.environment(PostgresStore(client: client, logger: TestDatabase.logger))
            let team = TeamService(environment: env)
            let (organization, admin) = try await team.createOrganization(
                name: "Tiny", slug: "tiny-\(UUID().uuidString.prefix(8).lowercased())", plan: .starter,
                adminEmail: "ana@example.com", adminName: "Ana", adminPassword: "correct horse battery staple")
            #expect(organization.limits.members == 3)
            let outcomes = await withTaskGroup(of: WAError.Code?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await team.invite(
                                email: "member\(index)@example.com", displayName: "Member \(index)", role: .agent,
                                by: .acting(as: admin))
                            return nil
                        } catch let error as WAError {
                            return error.code
                        } catch {
                            return .internalError
                        }
                    }
                }
                var outcomes: [WAError.Code?] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.filter { $0 == nil }.count == 2, "\(outcomes)")
            #expect(outcomes.compactMap { $0 }.allSatisfy { $0 == .planLimitReached }, "\(outcomes)")
            let members = try await env.store.transaction(.organization(organization.id)) {
                try await $0.members.count(in: organization.id, where: .init())
            }
            #expect(members == 3)
        }
    }
}
