public import Hummingbird
public import NIOCore

/// The request context of the gateway's HTTP front: Hummingbird's core context (logger with the request id,
/// route parameters) plus the peer's address, for per-IP limits and logs.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (a proxy's, behind one).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
