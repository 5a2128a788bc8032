extension Store {
    /// Runs `body` in a transaction like ``transaction(_:_:)``, and runs it again (in a new transaction, so it
    /// reads the current rows) when it fails with ``WAError/Code-swift.enum/versionConflict``, at most
    /// `attempts` times in all. For short read-modify-write changes of a row many requests touch, such as an
    /// organization's usage counter; `body` must be safe to run more than once.
    public func transaction<Result>(
        _ scope: TransactionScope, retryingConflicts attempts: Int,
        _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await transaction(scope, body)
            } catch let error as WAError where error.code == .versionConflict && attempt < attempts {
                attempt += 1
            }
        }
    }
}
