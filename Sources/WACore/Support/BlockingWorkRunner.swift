/// Runs slow, CPU-bound work away from Swift's cooperative thread pool: password hashing, which takes hundreds of
/// milliseconds on purpose, would otherwise hold one of the pool's few threads (one per core) while every other
/// task waits.
///
/// WACore does no I/O and owns no threads, so it cannot offload by itself: the environment's
/// ``ServiceEnvironment/blockingWork`` runner decides where such work runs. The default,
/// ``InlineBlockingWorkRunner``, runs it in the calling task, which suits tests and tools; a server passes a runner
/// on a thread pool (WAHTTP's `ThreadPoolBlockingWorkRunner`, on NIO's shared pool).
public protocol BlockingWorkRunner: Sendable {
    /// The result of `work`, run where this runner runs blocking work.
    ///
    /// - Throws: when the runner cannot run it any more (its pool has shut down); `work` itself does not throw
    ///   (return a `Result` for a failure).
    func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value
}

/// Runs blocking work in the calling task (on the cooperative pool): the default for tests and tools, where a few
/// slow calls blocking a thread costs nothing.
public struct InlineBlockingWorkRunner: BlockingWorkRunner {
    public init() {}

    public func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value {
        work()
    }
}
