import Synchronization

/// The loop every background worker runs: take a batch, sleep `idle` on `clock` when the batch was empty (or less,
/// when `wakeUps` signals one of `topics`: ``idleWait(clock:idle:wakeUps:topics:after:)``), until the task is
/// cancelled.
///
/// Cancellation is graceful: the batch in hand runs to its end in an unstructured task (which does not inherit
/// the cancellation), no new batch is taken, and the loop returns. A batch's error goes to `onError` and the loop
/// goes on; without `onError` it ends the loop.
func runWorkerLoop(
    clock: any WallClock, idle: Duration, wakeUps: (any WorkerWakeUps)?, topics: Set<WakeUpTopic>,
    onError: (@Sendable (any Error) -> Void)?, batch: @escaping @Sendable () async throws -> Int
) async throws {
    let stopping = Atomic<Bool>(false)
    try await withTaskCancellationHandler {
        while !stopping.load(ordering: .acquiring) {
            let mark = wakeUps?.mark()
            var handled = 0
            do {
                handled = try await Task { try await batch() }.value
            } catch {
                guard let onError else { throw error }
                onError(error)
            }
            if handled == 0 {
                do {
                    try await idleWait(clock: clock, idle: idle, wakeUps: wakeUps, topics: topics, after: mark)
                } catch {
                    return
                }
            }
        }
    } onCancel: {
        stopping.store(true, ordering: .releasing)
    }
}

/// Waits `idle` on `clock`, or until `wakeUps` signals one of `topics` after `mark`, whichever comes first; throws
/// when the task is cancelled. The sleep stays on `clock`, so a test clock still decides when idle time has passed.
func idleWait(
    clock: any WallClock, idle: Duration, wakeUps: (any WorkerWakeUps)?, topics: Set<WakeUpTopic>,
    after mark: WakeUpMark?
) async throws {
    guard let wakeUps, let mark, !topics.isEmpty else { return try await clock.sleepForUpkeep(for: idle) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await clock.sleepForUpkeep(for: idle) }
        group.addTask { try await wakeUps.wait(for: topics, after: mark) }
        defer { group.cancelAll() }
        _ = try await group.next()
    }
}
