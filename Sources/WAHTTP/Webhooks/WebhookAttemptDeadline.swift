/// Runs part of a webhook attempt against the attempt's deadline.
enum WebhookAttemptDeadline {
    /// The result of `operation`, or `nil` when `deadline` comes first (the operation is then cancelled, and
    /// waited for: it must end promptly when cancelled). Errors of the operation, and the cancellation of the
    /// calling task, are thrown.
    static func run<Result: Sendable>(
        until deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result? {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
