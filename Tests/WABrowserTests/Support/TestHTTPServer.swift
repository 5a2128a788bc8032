import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port) serving fixed pages: loopback is a secure context for Chromium,
/// which some page APIs (client hints) need.
final class TestHTTPServer: Sendable {
    struct Resource: Sendable {
        var contentType: String
        var body: String
    }

    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Serves `resources` by path; anything else is 404.
    static func start(_ resources: [String: Resource]) async throws -> TestHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(resources))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let resources: [String: Resource]

        init(_ resources: [String: Resource]) {
            self.resources = resources
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let path = String(head.uri.prefix { $0 != "?" })
            let resource = resources[path]
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: resource?.contentType ?? "text/plain")
            let body = ByteBuffer(string: resource?.body ?? "not found")
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            let status: HTTPResponseStatus = resource == nil ? .notFound : .ok
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
