public import NIOCore

/// Moves DevTools messages to and from a browser: ``PipeTransport`` (`--remote-debugging-pipe`) or
/// ``WebSocketTransport``. Each element is one complete JSON message; framing is the transport's business.
public protocol CDPTransport: Sendable {
    /// The browser's messages in order. It ends when the browser closes its side and throws on a transport error;
    /// it can be iterated once.
    var inbound: AsyncThrowingStream<ByteBuffer, any Error> { get }

    /// Queues one message for writing, in call order. A write that fails later closes the transport, which ends
    /// ``inbound`` with the error; this throws only when the transport is already closed.
    func send(_ message: ByteBuffer) throws

    /// Closes both directions; ``inbound`` then ends. Idempotent.
    func close() async
}
