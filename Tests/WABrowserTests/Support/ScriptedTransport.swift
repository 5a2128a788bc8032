import Foundation
import NIOCore
import Synchronization
import Testing
import WABrowser

/// A ``CDPTransport`` played by the test: it sees every message the connection writes (``sent``) and delivers
/// whatever the test makes the "browser" say.
final class ScriptedTransport: CDPTransport {
    let inbound: AsyncThrowingStream<ByteBuffer, any Error>
    private let browser: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    /// The messages the connection wrote, as text, in order.
    let sent: AsyncStream<String>
    private let sentContinuation: AsyncStream<String>.Continuation
    private let closed = Mutex(false)

    init() {
        (inbound, browser) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        (sent, sentContinuation) = AsyncStream.makeStream(of: String.self)
    }

    func send(_ message: ByteBuffer) throws {
        guard !closed.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
        sentContinuation.yield(String(buffer: message))
    }

    func close() async {
        closed.withLock { $0 = true }
        browser.finish()
        sentContinuation.finish()
    }

    /// The browser says `json`.
    func say(_ json: String) {
        browser.yield(ByteBuffer(string: json))
    }

    /// The browser's side ends (end of file).
    func endOfFile() {
        closed.withLock { $0 = true }
        browser.finish()
    }
}

extension AsyncStream<String> {
    /// The next message the connection wrote, with its `id` (fails the test when there is none).
    func nextRequest(sourceLocation: SourceLocation = #_sourceLocation) async throws -> (id: Int, text: String) {
        var iterator = makeAsyncIterator()
        let text = try #require(await iterator.next(), sourceLocation: sourceLocation)
        let id = try #require(Self.id(in: text), sourceLocation: sourceLocation)
        return (id, text)
    }

    private static func id(in text: String) -> Int? {
        guard let range = text.range(of: #""id":"#) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
