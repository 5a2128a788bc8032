import Foundation
import Synchronization
import Testing
import WACore
import WACoreTesting

@Suite("Store: retrying version conflicts")
struct StoreRetryingConflictsTests {
    @Test func aConflictRunsTheBodyAgainInANewTransactionUpToTheLimit() async throws {
        let env = ServiceEnvironment.testing(clock: TestClock())
        let (org, _) = try await TeamService(environment: env).createOrganization(
            name: "Acme", slug: "acme", adminEmail: "ana@example.com", adminName: "Ana",
            adminPassword: "correct horse battery staple")
        let runs = Atomic<Int>(0)
        // A real conflict on the first run: the row changes under the body's copy.
        let renamed = try await env.store.transaction(.organization(org.id), retryingConflicts: 3) { tx in
            var stale = try await tx.organizations.get(org.id, in: org.id)
            if runs.add(1, ordering: .relaxed).newValue == 1 {
                var other = stale
                other.name = "Acme GmbH"
                _ = try await tx.organizations.update(other)
            }
            stale.slug = "acme-gmbh"
            return try await tx.organizations.update(stale)
        }
        #expect(runs.load(ordering: .relaxed) == 2)
        #expect(renamed.slug == "acme-gmbh" && renamed.name == "Acme")  // the first run's writes were rolled back

        // Conflicts every time: the error comes out after the last attempt; other errors are not retried.
        runs.store(0, ordering: .relaxed)
        await expectWAError(.versionConflict) {
            try await env.store.transaction(.organization(org.id), retryingConflicts: 2) { _ in
                runs.add(1, ordering: .relaxed)
                throw WAError(.versionConflict, "changed meanwhile")
            }
        }
        #expect(runs.load(ordering: .relaxed) == 2)
        runs.store(0, ordering: .relaxed)
        await expectWAError(.notFound) {
            try await env.store.transaction(.organization(org.id), retryingConflicts: 5) { _ in
                runs.add(1, ordering: .relaxed)
                throw WAError.notFound("thing")
            }
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }
}
