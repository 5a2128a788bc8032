public import NIOCore
import Foundation

/// An event from the browser, decoded only as far as routing needs: its parameters stay raw until
/// ``decode(_:)`` (many events are never looked at, and some are megabytes).
public struct CDPEvent: Sendable {
    /// `Domain.event`, e.g. `Page.lifecycleEvent`.
    public let method: String
    /// The session it came on; nil for the browser's own events.
    public let session: CDPSessionID?
    /// The whole message as it arrived.
    public let raw: ByteBuffer

    public init(method: String, session: CDPSessionID?, raw: ByteBuffer) {
        self.method = method
        self.session = session
        self.raw = raw
    }

    /// The event's `params` decoded as `Parameters`.
    public func decode<Parameters: Decodable>(_: Parameters.Type = Parameters.self) throws -> Parameters {
        do {
            return try JSONDecoder().decode(Envelope<Parameters>.self, from: Data(raw.readableBytesView)).params
        } catch {
            throw CDPError.malformedResponse(method: method, detail: "\(error)")
        }
    }

    private struct Envelope<Parameters: Decodable>: Decodable {
        var params: Parameters
    }
}
