import Synchronization

/// The loop every background worker runs: take a batch, sleep `idle` on `clock` when the batch was empty, until
/// the task is cancelled.
///
/// Cancellation is graceful: the batch in hand runs to its end in an unstructured task (which does not inherit
/// the cancellation), no new batch is taken, and the loop returns. A batch's error goes to `onError` and the loop
/// goes on; without `onError` it ends the loop.
func runWorkerLoop(
    clock: any WallClock, idle: Duration, onError: (@Sendable (any Error) -> Void)?,
    batch: @escaping @Sendable () async throws -> Int
) async throws {
    let stopping = Atomic<Bool>(false)
    try await withTaskCancellationHandler {
        while !stopping.load(ordering: .acquiring) {
            var handled = 0
            do {
                handled = try await Task { try await batch() }.value
            } catch {
                guard let onError else { throw error }
                onError(error)
            }
            if handled == 0 {
                do { try await clock.sleepForUpkeep(for: idle) } catch { return }
            }
        }
    } onCancel: {
        stopping.store(true, ordering: .releasing)
    }
}
