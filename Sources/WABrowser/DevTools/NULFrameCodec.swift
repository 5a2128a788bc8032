public import NIOCore

/// Splits Chromium's `--remote-debugging-pipe` stream into messages: each message is UTF-8 JSON followed by one
/// NUL byte (JSON never contains a raw NUL, so the split is unambiguous).
///
/// The browser writes in 64 KiB packets, so a message usually arrives in pieces and a piece can end several
/// messages; the decoder keeps the unfinished tail. A message longer than ``maximumMessageLength`` without its NUL
/// is an error (the connection is then closed) rather than unbounded buffering.
public struct NULFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    /// The longest message accepted, NUL excluded. 256 MiB by default (a full-page screenshot of a large page is
    /// tens of MiB of base64).
    public let maximumMessageLength: Int

    /// Thrown when a message grows past ``maximumMessageLength`` without its terminating NUL.
    public struct MessageTooLong: Error, Sendable, Equatable {
        public var limit: Int
        public init(limit: Int) { self.limit = limit }
    }

    public init(maximumMessageLength: Int = 256 << 20) {
        self.maximumMessageLength = maximumMessageLength
    }

    /// How many bytes at the front of the buffer are known to hold no NUL: the next search starts after them, so a
    /// message arriving in many pieces is scanned once, not once per piece.
    private var searched = 0

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try nextMessage(in: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        if case .continue = try decode(context: context, buffer: &buffer) { return .continue }
        // A tail without its NUL at EOF is a message the browser never finished writing: dropped, so that the
        // handler does not report it as left-over data.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        searched = 0
        return .needMoreData
    }

    /// Takes the next complete message (without its NUL) off the front of `buffer`, or returns nil when the buffer
    /// holds only part of one.
    mutating func nextMessage(in buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        let start = view.startIndex + min(searched, view.count)
        guard let terminator = view[start...].firstIndex(of: 0) else {
            searched = view.count
            if view.count > maximumMessageLength { throw MessageTooLong(limit: maximumMessageLength) }
            return nil
        }
        searched = 0
        let length = terminator - view.startIndex
        if length > maximumMessageLength { throw MessageTooLong(limit: maximumMessageLength) }
        let message = buffer.readSlice(length: length)
        buffer.moveReaderIndex(forwardBy: 1)
        return message
    }
}

/// Writes each outbound message followed by the NUL that ends it on `--remote-debugging-pipe`.
public struct NULFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        var data = data
        out.writeBuffer(&data)
        out.writeInteger(UInt8(0))
    }
}
