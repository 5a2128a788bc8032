import NIOCore
import NIOEmbedded
import Testing
import WABrowser

/// The pipe's framing: JSON messages ended by NUL, arriving in arbitrary pieces.
@Suite struct NULFrameCodecTests {
    private func channel(limit: Int = 256 << 20) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(NULFrameDecoder(maximumMessageLength: limit)),
            MessageToByteHandler(NULFrameEncoder()),
        ])
        return channel
    }

    private func readAll(_ channel: EmbeddedChannel) throws -> [String] {
        var messages: [String] = []
        while let message = try channel.readInbound(as: ByteBuffer.self) { messages.append(String(buffer: message)) }
        return messages
    }

    @Test(arguments: [
        (pieces: 65_536, longest: 300_000),  // as Chromium writes: 64 KiB packets
        (pieces: 0, longest: 70_000),  // random pieces of up to 9,000 bytes
        (pieces: 1, longest: 2_000),  // byte by byte
    ])
    func messagesSplitAnywhereComeOutWhole(pieces pieceLength: Int, longest: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let messages = (0..<40).map { index in
            let filler = String(repeating: "x", count: Int.random(in: 0...longest, using: &generator))
            return #"{"id":\#(index),"result":{"data":"\#(filler)"}}"#
        }
        let stream = Array(messages.map { Array($0.utf8) + [0] }.joined())
        let channel = try channel()
        var offset = 0
        var received: [String] = []
        while offset < stream.count {
            let length = pieceLength > 0 ? pieceLength : Int.random(in: 1...9_000, using: &generator)
            let end = min(stream.count, offset + length)
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            received += try readAll(channel)
            offset = end
        }
        #expect(received == messages)
        _ = try channel.finish()
    }

    @Test func severalMessagesInOnePieceAndAnUnfinishedTail() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "{\"a\":1}\0{\"b\":2}\0{\"c\""))
        #expect(try readAll(channel) == [#"{"a":1}"#, #"{"b":2}"#])
        try channel.writeInbound(ByteBuffer(string: ":3}\0"))
        #expect(try readAll(channel) == [#"{"c":3}"#])
        // A tail the browser never finished is dropped at the end, not reported as left-over data.
        try channel.writeInbound(ByteBuffer(string: "{\"d\""))
        #expect(throws: Never.self) { _ = try channel.finish() }
        #expect(try readAll(channel).isEmpty)
    }

    @Test func aMessageLongerThanTheLimitIsAnError() throws {
        let channel = try channel(limit: 16)
        #expect(throws: NULFrameDecoder.MessageTooLong(limit: 16)) {
            try channel.writeInbound(ByteBuffer(string: String(repeating: "y", count: 17)))
        }
        let ending = try self.channel(limit: 16)
        #expect(throws: NULFrameDecoder.MessageTooLong(limit: 16)) {
            try ending.writeInbound(ByteBuffer(string: String(repeating: "z", count: 20) + "\0"))
        }
    }

    @Test func theEncoderEndsEachMessageWithNUL() throws {
        let channel = try channel()
        try channel.writeOutbound(ByteBuffer(string: #"{"id":1,"method":"Browser.getVersion"}"#))
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(written.readableBytesView) == Array(#"{"id":1,"method":"Browser.getVersion"}"#.utf8) + [0])
    }
}
