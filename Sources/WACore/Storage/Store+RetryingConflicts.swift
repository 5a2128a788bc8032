extension Store {
    /// Runs `body` in a transaction like ``transaction(_:_:)``, and runs it again, in a new transaction that reads
    /// the current rows, when it fails with a transaction conflict (``WAError/Code-swift.enum/versionConflict`` or
    /// ``WAError/Code-swift.enum/storageConflict``): at most `attempts` runs in all. The second run starts at once
    /// (most conflicts are one collision); before each later run it waits a random time between zero and a bound
    /// that doubles from 2 ms up to 100 ms ("full jitter"), so that transactions that keep colliding stop doing so
    /// in lockstep. The wait is real time (the contention is the database's, not the domain's), and is cut short
    /// by cancellation.
    ///
    /// For short read-modify-write changes of rows many requests touch, such as an organization's usage counter;
    /// `body` must be safe to run more than once (it must not send, call out or count anything outside the
    /// transaction).
    public func transaction<Result>(
        _ scope: TransactionScope, retryingConflicts attempts: Int,
        _ body: (any StoreTransaction) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await transaction(scope, body)
            } catch let error as WAError where error.code.isTransactionConflict && attempt < attempts {
                let delay = ConflictBackoff.delay(beforeAttempt: attempt + 1, random: SystemRandomSource())
                if delay > .zero { try await Task.sleep(for: delay) }
                attempt += 1
            }
        }
    }
}

/// The waits between the runs of a transaction that lost a race (``Store/transaction(_:retryingConflicts:_:)``).
enum ConflictBackoff {
    /// The bound of the first wait.
    static let initial = Duration.milliseconds(2)
    /// The largest bound.
    static let maximum = Duration.milliseconds(100)

    /// The bound of the wait before run `attempt`: none before the second run, then `initial` × 2^(attempt − 3),
    /// at most `maximum`.
    static func bound(beforeAttempt attempt: Int) -> Duration {
        guard attempt > 2 else { return .zero }
        let doublings = min(attempt - 3, 16)
        return min(initial * (1 << doublings), maximum)
    }

    /// A random wait between zero and ``bound(beforeAttempt:)``, drawn from `random`.
    static func delay(beforeAttempt attempt: Int, random: some RandomSource) -> Duration {
        let bound = bound(beforeAttempt: attempt)
        let nanoseconds = bound.components.seconds * 1_000_000_000 + bound.components.attoseconds / 1_000_000_000
        var generator = random.generator
        return .nanoseconds(Int64.random(in: 0...max(nanoseconds, 0), using: &generator))
    }
}
