import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import WACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an ``HTTPWebhookSender`` attempt ended without a response, and the outcome each error becomes: a timeout,
/// or a connection failure in a few fixed words (never an address, a host name or an error's own text).
enum WebhookAttemptFailure: Error {
    /// A resolved address (or the IP literal) is forbidden by the request's target policy.
    case forbiddenAddress
    /// The host name did not resolve.
    case notResolved
    /// The URL could not be taken apart.
    case invalidURL

    /// The outcome for an error thrown by an attempt.
    static func outcome(for error: any Error) -> WebhookAttemptOutcome {
        switch error {
        case let failure as WebhookAttemptFailure:
            switch failure {
            case .forbiddenAddress: return .connectionFailed("forbidden address")
            case .notResolved: return .connectionFailed("name not resolved")
            case .invalidURL: return .connectionFailed("invalid URL")
            }
        case is WebhookClientCache.ShutDown:
            return .connectionFailed("sender shut down")
        case is CancellationError:
            return .connectionFailed("cancelled")
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                return .timeout
            case .alreadyShutdown: return .connectionFailed("sender shut down")
            case .cancelled: return .connectionFailed("cancelled")
            case .remoteConnectionClosed: return .connectionFailed("connection closed")
            default: return .connectionFailed("protocol error")
            }
        case let error as IOError:
            return outcome(errno: error.errnoCode)
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return outcome(for: first.error) }
            return .connectionFailed("unreachable")
        case let error as ChannelError:
            if case .connectTimeout = error { return .timeout }
            return .connectionFailed("connection closed")
        case is HTTPParserError:
            return .connectionFailed("invalid response")
        default:
            // swift-nio-ssl's errors (handshake, certificate verification), named by module to avoid depending on
            // it directly.
            if String(reflecting: type(of: error)).hasPrefix("NIOSSL.") { return .connectionFailed("TLS failure") }
            return .connectionFailed("transport error")
        }
    }

    /// Whether `error` says that no connection could be made (refused, unreachable), so the request was not sent
    /// and another address of the same host may be tried.
    static func isConnectionNotMade(_ error: any Error) -> Bool {
        switch error {
        case let error as IOError:
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode)
        case let error as NIOConnectionError:
            return error.connectionErrors.allSatisfy { isConnectionNotMade($0.error) }
        default:
            return false
        }
    }

    private static func outcome(errno code: CInt) -> WebhookAttemptOutcome {
        switch code {
        case ECONNREFUSED: .connectionFailed("refused")
        case ECONNRESET, EPIPE: .connectionFailed("connection reset")
        case ENETUNREACH, EHOSTUNREACH: .connectionFailed("unreachable")
        case ETIMEDOUT: .timeout
        default: .connectionFailed("network error")
        }
    }
}
