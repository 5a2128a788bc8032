import Foundation
public import WACore

/// The reverse proxies (load balancers, ingress controllers) in front of the gateway whose `X-Forwarded-For` it
/// believes, so that per-address request limits and the access log see the client rather than the proxy.
///
/// A request whose connection comes from a trusted network has its `X-Forwarded-For` read from right to left (the
/// order proxies append in): the first address that is not itself trusted is the client. An entry that is not an
/// IP address stops the walk at the hop that added it, and a request from an untrusted peer is that peer, whatever
/// it claims: a client cannot choose the address it is limited as. With no networks (the default) the peer is the
/// client.
///
/// ```swift
/// configuration.trustedProxies = TrustedProxies([IPNetwork("10.0.0.0/8")!])
/// ```
public struct TrustedProxies: Sendable, Hashable {
    /// The networks whose connections carry a believable `X-Forwarded-For`.
    public var networks: [IPNetwork]

    /// Proxies in `networks`.
    public init(_ networks: [IPNetwork]) {
        self.networks = networks
    }

    /// None: the connection's peer is the client.
    public static let none = TrustedProxies([])

    /// The client's address for a connection from `peer` with these `X-Forwarded-For` field values (in the order
    /// they came; each may list several addresses, comma-separated). `nil` when the peer has no IP address (a Unix
    /// socket) and nothing trusted says otherwise.
    public func clientAddress(peer: String?, forwardedFor values: [String]) -> String? {
        guard !networks.isEmpty, let peer, let peerAddress = IPAddress(peer), isTrusted(peerAddress) else {
            return peer
        }
        let hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peerAddress
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }
}
