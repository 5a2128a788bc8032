import Synchronization

/// A first-come, first-served lock for async code: `withLock` suspends (it never blocks a thread) until the lock
/// is free. Waiting is cancellable; a cancelled waiter throws `CancellationError` and never holds the lock.
public final class AsyncLock: Sendable {
    private struct State {
        var isLocked = false
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` while holding the lock.
    public func withLock<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await lock()
        do {
            let result = try await body()
            unlock()
            return result
        } catch {
            unlock()
            throw error
        }
    }

    private func lock() async throws {
        let ticket: Int? = state.withLock { s in
            if !s.isLocked {
                s.isLocked = true
                return nil
            }
            s.nextTicket += 1
            return s.nextTicket
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case cancelled, acquired, waiting }
                let outcome = state.withLock { s -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    // The holder may have unlocked between taking the ticket and getting here: take the lock now
                    // instead of waiting for a wake-up that will never come.
                    if !s.isLocked {
                        s.isLocked = true
                        return .acquired
                    }
                    s.waiters.append((ticket, continuation))
                    return .waiting
                }
                switch outcome {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .acquired: continuation.resume()
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.isLocked = false
                return nil
            }
            // The lock passes straight to the next waiter; it stays locked.
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
