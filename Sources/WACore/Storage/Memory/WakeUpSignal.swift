import Synchronization

/// An in-process ``WorkerWakeUps``: ``signal(_:)`` wakes every worker waiting for one of the topics.
///
/// ``MemoryStore`` signals it after each commit that enqueued or handed back jobs or appended events, when created
/// with one (`ServiceEnvironment.inMemory` does, on the system clock). Waiters are woken through continuations;
/// nothing polls.
public final class WakeUpSignal: WorkerWakeUps {
    private struct Waiter {
        let topics: Set<WakeUpTopic>
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var generation: UInt64 = 0
        /// The generation at which each topic was last signalled.
        var lastSignal: [WakeUpTopic: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// A signal with nobody waiting.
    public init() {}

    /// Wakes the workers waiting for any of `topics`.
    public func signal(_ topics: Set<WakeUpTopic>) {
        guard !topics.isEmpty else { return }
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.generation += 1
            for topic in topics { state.lastSignal[topic] = state.generation }
            let due = state.waiters.filter { !$0.value.topics.isDisjoint(with: topics) }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    public func mark() -> WakeUpMark {
        WakeUpMark(generation: state.withLock { $0.generation })
    }

    public func wait(for topics: Set<WakeUpTopic>, after mark: WakeUpMark) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if topics.contains(where: { (state.lastSignal[$0] ?? 0) > mark.generation }) { return .success(()) }
                    state.waiters[id] = Waiter(topics: topics, continuation: continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
