import NIOCore
import NIOPosix
import Synchronization

/// A TCP listener on a loopback address that counts the connections it accepts and never answers: proof that no
/// connection was made, and a receiver that never responds (for timeouts).
final class CountingListener: Sendable {
    private let channel: any Channel
    private let accepted: Accepted

    private final class Accepted: Sendable {
        let count = Mutex(0)
    }

    /// The port it listens on.
    let port: Int

    private init(channel: any Channel, accepted: Accepted) {
        self.channel = channel
        self.accepted = accepted
        port = channel.localAddress?.port ?? 0
    }

    /// Listens on `host` (`127.0.0.1`, `::1`) at `port` (0: any free port).
    static func start(host: String, port: Int = 0) async throws -> CountingListener {
        let accepted = Accepted()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.count.withLock { $0 += 1 }
                // Read and drop whatever comes; never write.
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: host, port: port)
            .get()
        return CountingListener(channel: channel, accepted: accepted)
    }

    /// Connections accepted so far.
    var connections: Int { accepted.count.withLock { $0 } }

    func stop() async throws {
        try await channel.close()
    }
}
