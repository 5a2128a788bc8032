/// Runs `operation` and throws ``CDPError/timeout(method:after:)`` (naming `what`) if it has not finished within
/// `limit`; the operation is cancelled then. `.zero` means no limit.
func withDeadline<Result: Sendable>(
    _ limit: Duration, waitingFor what: String, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    guard limit > .zero else { return try await operation() }
    return try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CDPError.timeout(method: what, after: limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
