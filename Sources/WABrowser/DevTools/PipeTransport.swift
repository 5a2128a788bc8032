public import NIOCore
public import NIOPosix

/// DevTools over a pair of pipes, as `--remote-debugging-pipe` gives them: the browser reads NUL-terminated JSON
/// messages on its fd 3 and writes them on its fd 4 (``ChromiumProcess`` maps them).
///
/// When this side closes, the browser sees end of file and exits (about 0.1 s on Chromium 156), so a browser started
/// this way never outlives the gateway.
public final class PipeTransport: CDPTransport {
    public let inbound: AsyncThrowingStream<ByteBuffer, any Error>
    private let channel: any Channel

    /// Takes ownership of `input` (the read end of the browser's fd 4) and `output` (the write end of its fd 3):
    /// they are closed with the transport.
    public init(
        input: CInt, output: CInt, maximumMessageLength: Int = 256 << 20,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        inbound = stream
        channel = try await NIOPipeBootstrap(group: eventLoopGroup)
            .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(NULFrameDecoder(maximumMessageLength: maximumMessageLength)),
                        MessageToByteHandler(NULFrameEncoder()),
                        InboundStreamBridge(continuation),
                    ])
                    return channel
                }
            }
    }

    public func send(_ message: ByteBuffer) throws {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        let channel = channel
        channel.writeAndFlush(message).whenFailure { _ in channel.close(promise: nil) }
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Hands a channel's messages to an `AsyncThrowingStream`: it finishes when the channel closes and throws the first
/// error the pipeline reports (the channel is then closed).
final class InboundStreamBridge: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
