import NIOCore
import NIOPosix
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that answers any request with `200` and a body of ``size`` bytes, writing each
/// 64 KiB chunk only once the previous one has gone to the socket. It counts the bytes the socket took, so a client
/// that stops reading leaves the count far short of the size (the kernel buffers only a few megabytes).
final class HugeResponseServer: Sendable {
    static let size = 256 << 20

    final class Progress: Sendable {
        private let state = Mutex((written: 0, ended: false))
        func add(_ count: Int) { state.withLock { $0.written += count } }
        func end() { state.withLock { $0.ended = true } }
        var value: (written: Int, ended: Bool) { state.withLock { $0 } }
    }

    private let progress: Progress
    private let channel: any Channel
    /// The port it listens on.
    let port: Int

    private init(channel: any Channel, progress: Progress) {
        self.channel = channel
        self.progress = progress
        port = channel.localAddress?.port ?? 0
    }

    static func start() async throws -> HugeResponseServer {
        let progress = Progress()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(progress: progress))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return HugeResponseServer(channel: channel, progress: progress)
    }

    /// Bytes the socket took, and whether the response has ended (all written, or the connection closed).
    var body: (written: Int, ended: Bool) { progress.value }

    func stop() async throws {
        try await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let progress: Progress
        private var request = ByteBuffer()
        private var started = false
        private var remaining = HugeResponseServer.size
        private let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)

        init(progress: Progress) {
            self.progress = progress
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !started else { return }
            var incoming = unwrapInboundIn(data)
            request.writeBuffer(&incoming)
            guard request.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) != nil else { return }
            started = true
            let head = "HTTP/1.1 200 OK\r\ncontent-length: \(HugeResponseServer.size)\r\n\r\n"
            context.write(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
            writeNext(context: context)
        }

        func channelInactive(context: ChannelHandlerContext) {
            progress.end()
            context.fireChannelInactive()
        }

        private func writeNext(context: ChannelHandlerContext) {
            guard remaining > 0 else {
                progress.end()
                return
            }
            let count = min(remaining, chunk.readableBytes)
            remaining -= count
            context.writeAndFlush(wrapOutboundOut(chunk.getSlice(at: chunk.readerIndex, length: count)!))
                .assumeIsolated()
                .whenComplete { result in
                    switch result {
                    case .success:
                        self.progress.add(count)
                        self.writeNext(context: context)
                    case .failure:
                        self.progress.end()
                    }
                }
        }
    }
}
