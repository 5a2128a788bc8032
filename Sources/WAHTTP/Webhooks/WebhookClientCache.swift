import AsyncHTTPClient
import NIOCore

/// The `HTTPClient`s of an ``HTTPWebhookSender``, one per (host, checked address), least recently used first out.
///
/// AsyncHTTPClient connects to the address it is told only through `dnsOverride`, which is fixed per client; so a
/// client is made for each host and the address that passed the URL policy, and kept while it is used, so that
/// deliveries to the same receiver reuse its keep-alive connections (no new TCP and TLS handshake per attempt).
/// The cache holds at most `capacity` clients that nobody is using; a client is shut down when it is evicted, and
/// all of them by ``shutdown()``. Clients in use are never shut down by eviction (the cache may exceed its
/// capacity by the number of attempts in flight until they finish).
actor WebhookClientCache {
    /// A host as written in the URL and the address its connections go to (the host itself for IP literals).
    struct Key: Hashable, Sendable {
        var host: String
        var address: String
    }

    private struct Entry {
        let client: HTTPClient
        var leases: Int
        var lastUsed: UInt64
    }

    /// The sender was shut down: no new attempt starts.
    struct ShutDown: Error {}

    private let capacity: Int
    private let eventLoopGroup: any EventLoopGroup
    private let configuration: HTTPClient.Configuration
    private var entries: [Key: Entry] = [:]
    private var tick: UInt64 = 0
    private var isShutDown = false

    init(capacity: Int, eventLoopGroup: any EventLoopGroup, configuration: HTTPClient.Configuration) {
        self.capacity = max(1, capacity)
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
    }

    /// How many clients exist now (for tests).
    var count: Int { entries.count }

    /// A client connecting to `key.address` for `key.host`, leased until ``release(_:)``.
    func lease(_ key: Key) async throws -> HTTPClient {
        guard !isShutDown else { throw ShutDown() }
        tick += 1
        if var entry = entries[key] {
            entry.leases += 1
            entry.lastUsed = tick
            entries[key] = entry
            return entry.client
        }
        var configuration = self.configuration
        if key.host != key.address { configuration.dnsOverride = [key.host: key.address] }
        let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        entries[key] = Entry(client: client, leases: 1, lastUsed: tick)
        await Self.shutDown(evictIdle())
        return client
    }

    /// Ends a lease taken with ``lease(_:)``.
    func release(_ key: Key) async {
        guard var entry = entries[key] else { return }
        entry.leases -= 1
        entries[key] = entry
        await Self.shutDown(evictIdle())
    }

    /// Shuts every client down; attempts still running on one fail, and later ``lease(_:)`` calls throw.
    func shutdown() async {
        isShutDown = true
        let clients = entries.values.map(\.client)
        entries = [:]
        await Self.shutDown(clients)
    }

    /// Removes the least recently used idle clients while there are more than `capacity`.
    private func evictIdle() -> [HTTPClient] {
        guard entries.count > capacity else { return [] }
        let idle = entries.filter { $0.value.leases == 0 }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        var evicted: [HTTPClient] = []
        for (key, entry) in idle.prefix(entries.count - capacity) {
            entries[key] = nil
            evicted.append(entry.client)
        }
        return evicted
    }

    private static func shutDown(_ clients: [HTTPClient]) async {
        for client in clients {
            // Shutting down fails only for a client already shut down; there is nothing else to do about it.
            try? await client.shutdown()
        }
    }
}
