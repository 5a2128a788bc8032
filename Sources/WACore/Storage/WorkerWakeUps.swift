/// What idle workers wait for besides their poll interval (``WorkerWakeUps``).
public enum WakeUpTopic: Sendable, Hashable {
    /// A job of this queue was enqueued or handed back.
    case queue(String)
    /// An event was appended to an organization's event log.
    case eventLog
}

/// A position in a ``WorkerWakeUps``' stream of signals: what a worker has seen before it looked for work.
public struct WakeUpMark: Sendable, Hashable {
    /// Signals counted so far; only ``WorkerWakeUps`` implementations read it.
    public let generation: UInt64

    /// A mark at `generation`.
    public init(generation: UInt64) {
        self.generation = generation
    }
}

/// Wakes idle workers when work may have arrived, so that they need not wait out their poll interval: a store
/// signals the topics a committed transaction touched (PostgreSQL: `NOTIFY` in the transaction, delivered at
/// commit; ``MemoryStore``: after the commit, when created with a ``WakeUpSignal``).
///
/// Polling stays the safety net: a worker sleeps its interval *or* until woken, whichever comes first, so a lost
/// signal only delays work, and a spurious one only costs a look. A worker takes a ``mark()`` before it looks for
/// work and, finding none, waits with that mark: a signal that arrived while it was looking wakes it at once.
public protocol WorkerWakeUps: Sendable {
    /// The current position, to pass to ``wait(for:after:)``.
    func mark() -> WakeUpMark

    /// Returns once a signal for one of `topics` has arrived after `mark` (at once if one already has); throws
    /// `CancellationError` when the task is cancelled. It may also return without such a signal.
    func wait(for topics: Set<WakeUpTopic>, after mark: WakeUpMark) async throws
}
