import Foundation
public import NIOCore
import NIOHTTP1
public import NIOPosix
import NIOWebSocket

/// DevTools over a WebSocket (`ws://127.0.0.1:port/devtools/browser/…`), for a browser started with
/// `--remote-debugging-port` or running elsewhere.
///
/// The handshake sends no `Origin` (Chromium refuses a client that does unless `--remote-allow-origins` names it).
/// Frames may be as large as the pipe's messages (a screenshot arrives as one unfragmented frame of megabytes), pings
/// are answered, and a close frame or end of file ends ``inbound``.
public final class WebSocketTransport: CDPTransport {
    public let inbound: AsyncThrowingStream<ByteBuffer, any Error>
    private let channel: any Channel

    private init(inbound: AsyncThrowingStream<ByteBuffer, any Error>, channel: any Channel) {
        self.inbound = inbound
        self.channel = channel
    }

    /// Connects to `url` (`ws://host:port/path`) and completes the WebSocket handshake.
    public static func connect(
        to url: String, maximumMessageLength: Int = 256 << 20,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebSocketTransport {
        guard let parsed = URL(string: url), parsed.scheme == "ws", let host = parsed.host else {
            throw CDPError.launch("not a ws:// URL: \(url)", recentOutput: [])
        }
        let port = parsed.port ?? 80
        let path = parsed.path.isEmpty ? "/" : parsed.path
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)

        let upgraded: EventLoopFuture<(any Channel)?> = try await ClientBootstrap(group: eventLoopGroup)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<(any Channel)?>(
                        maxFrameSize: maximumMessageLength,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandlers([
                                    NIOWebSocketFrameAggregator(
                                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                                        maxAccumulatedFrameSize: maximumMessageLength),
                                    WebSocketMessageBridge(continuation),
                                ])
                                return channel
                            }
                        })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<(any Channel)?>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.eventLoop.makeCompletedFuture { nil }
                        })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        guard let channel = try await upgraded.get() else {
            continuation.finish()
            throw CDPError.launch("\(url) refused the WebSocket upgrade", recentOutput: [])
        }
        return WebSocketTransport(inbound: stream, channel: channel)
    }

    public func send(_ message: ByteBuffer) throws {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: message)
        let channel = channel
        channel.writeAndFlush(frame).whenFailure { _ in channel.close(promise: nil) }
    }

    public func close() async {
        let frame = WebSocketFrame(
            fin: true, opcode: .connectionClose, maskKey: .random(), data: ByteBuffer(bytes: [0x03, 0xE8]))
        try? await channel.writeAndFlush(frame)
        try? await channel.close()
    }
}

/// Hands text and binary messages to an `AsyncThrowingStream`, answers pings, and closes on a close frame.
private final class WebSocketMessageBridge: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            continuation.yield(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            continuation.finish()
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
