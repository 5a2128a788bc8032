public import WACore
public import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's resolver (`getaddrinfo`: `/etc/hosts`, then DNS as the system is configured), run on a thread pool
/// so it never blocks an event loop or the cooperative pool.
///
/// A lookup cannot be interrupted, but waiting for one can: when the calling task is cancelled (the attempt's
/// time is up), ``addresses(of:)`` throws `CancellationError` at once and the lookup's answer is dropped when it
/// comes. The abandoned lookup still holds its thread until the system gives up on it (seconds, for a name server
/// that does not answer), so lookups get a pool of their own (``lookupPool``) rather than NIO's shared one, which
/// has one thread per core: a few unanswered names there would hold up every other lookup, and other blocking work.
public struct SystemWebhookHostResolver: WebhookHostResolver {
    /// The pool lookups run on by default: eight threads, started on first use, for the life of the process.
    public static let lookupPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    private let threadPool: NIOThreadPool

    /// A resolver on `threadPool` (``lookupPool`` by default).
    public init(threadPool: NIOThreadPool = SystemWebhookHostResolver.lookupPool) {
        self.threadPool = threadPool
    }

    /// The name could not be resolved (`getaddrinfo` failed or gave no IPv4 or IPv6 address).
    struct NotResolved: Error {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.install(continuation) else { return }
                threadPool.submit { state in
                    switch state {
                    case .active: waiter.finish(Result { try Self.lookUp(host) })
                    case .cancelled: waiter.finish(.failure(NotResolved()))
                    }
                }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    /// Blocking `getaddrinfo` for stream sockets; addresses in the resolver's order, duplicates removed.
    static func lookUp(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { throw NotResolved() }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let socketAddress = entry.pointee.ai_addr,
                entry.pointee.ai_family == AF_INET || entry.pointee.ai_family == AF_INET6
            else { continue }
            // The numeric form, through getnameinfo: the C address structs' fields are not read directly (which
            // module owns those C declarations differs between builds).
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard
                getnameinfo(
                    socketAddress, entry.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let numeric = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A scoped IPv6 address (`fe80::1%eth0`) is link-local either way; the zone does not matter here.
            let address = IPAddress(String(numeric.prefix { $0 != "%" }))
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { throw NotResolved() }
        return addresses
    }

    /// Hands one result to the waiting task: the lookup's, or a cancellation, whichever comes first.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<[IPAddress], any Error>)
            case finished(Result<[IPAddress], any Error>)
            case done
        }
        private let state = Mutex(State.idle)

        /// Stores the continuation; `false` (having resumed it) when a result came first.
        func install(_ continuation: CheckedContinuation<[IPAddress], any Error>) -> Bool {
            let early: Result<[IPAddress], any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .waiting(continuation)
                    return nil
                case .finished(let result):
                    state = .done
                    return result
                case .waiting, .done:
                    preconditionFailure("a resolver waiter is used once")
                }
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        /// Delivers `result` if nothing was delivered yet.
        func finish(_ result: Result<[IPAddress], any Error>) {
            let continuation: CheckedContinuation<[IPAddress], any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .finished(result)
                    return nil
                case .waiting(let continuation):
                    state = .done
                    return continuation
                case .finished, .done:
                    return nil
                }
            }
            continuation?.resume(with: result)
        }
    }
}
