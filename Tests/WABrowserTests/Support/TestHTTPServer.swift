import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port): fixed pages by path, or any answer a handler gives (the test
/// proxy). Loopback is a secure context for Chromium, which some page APIs (client hints) need.
final class TestHTTPServer: Sendable {
    struct Resource: Sendable {
        var contentType: String
        var body: String
    }

    struct Response: Sendable {
        var status: HTTPResponseStatus
        var headers: [(String, String)]
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
        try await start { head in
            let path = String(head.uri.prefix { $0 != "?" })
            guard let resource = resources[path] else { return Response(status: .notFound, headers: [], body: "not found") }
            return Response(status: .ok, headers: [("Content-Type", resource.contentType)], body: resource.body)
        }
    }

    /// Answers every request with what `respond` returns for its head.
    static func start(_ respond: @escaping @Sendable (HTTPRequestHead) -> Response) async throws -> TestHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(respond))
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
        private let respond: @Sendable (HTTPRequestHead) -> Response

        init(_ respond: @escaping @Sendable (HTTPRequestHead) -> Response) {
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let response = respond(head)
            var headers = HTTPHeaders(response.headers)
            let body = ByteBuffer(string: response.body)
            headers.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
            let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
