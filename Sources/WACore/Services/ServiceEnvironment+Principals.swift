/// Where services re-check the principal they were handed (``Store/transaction(by:at:_:)``).
extension ServiceEnvironment {
    /// Runs `body` in one transaction for `principal`'s organization, after checking inside it that the principal
    /// still stands (active, and holding at least the role, scopes and instances it claims). Every service method
    /// that acts for a principal opens its transaction here.
    func transaction<Result>(
        by principal: Principal, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        try await store.transaction(by: principal, at: clock.now(), body)
    }

    /// ``transaction(by:_:)``, run again in a new transaction on a `version_conflict`, at most `attempts` times
    /// (``Store/transaction(_:retryingConflicts:_:)``).
    func transaction<Result>(
        by principal: Principal, retryingConflicts attempts: Int, _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        let now = clock.now()
        return try await store.transaction(.organization(principal.organizationID), retryingConflicts: attempts) { tx in
            try await principal.requireCurrent(in: tx, at: now)
            return try await body(tx)
        }
    }

    /// Checks that `principal` still stands, in a transaction of its own: for the few calls whose writes happen in
    /// another component's transaction (the instance supervisor's start, stop and logout).
    func requireCurrent(_ principal: Principal) async throws {
        try await transaction(by: principal) { _ in }
    }
}
