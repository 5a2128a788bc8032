public import NIOPosix
public import WACore

/// Runs WACore's blocking work (password hashing) on a NIO thread pool, off Swift's cooperative pool. Set it as
/// the environment's `blockingWork` in a server:
///
/// ```swift
/// var environment = ServiceEnvironment(…)
/// environment.blockingWork = ThreadPoolBlockingWorkRunner()
/// ```
public struct ThreadPoolBlockingWorkRunner: BlockingWorkRunner {
    private let threadPool: NIOThreadPool

    /// A runner on `threadPool` (NIO's shared pool by default, which NIO starts on first use).
    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    /// Runs `work` on the pool.
    ///
    /// - Throws: NIO's error when the pool has been shut down.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value {
        try await threadPool.runIfActive(work)
    }
}
