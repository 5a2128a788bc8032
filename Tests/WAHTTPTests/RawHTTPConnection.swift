import NIOCore
import NIOPosix
import WACore

/// A plain HTTP/1.1 connection to a test server on loopback, for what the test client cannot do: stream a request
/// body without ever holding it, and read a response that does not end (server-sent events) as it arrives.
enum RawHTTPConnection {
    /// A response head and what arrived of its body (de-chunked).
    struct Reader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private var raw: [UInt8] = []
        private(set) var status = 0
        private(set) var headers: [String: String] = [:]
        private var headComplete = false
        /// The body bytes decoded so far and not yet taken.
        private(set) var body: [UInt8] = []
        private var chunked = false
        private(set) var ended = false

        init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

        /// Reads more bytes from the connection; `false` when it closed.
        mutating func receive() async throws -> Bool {
            guard let buffer = try await iterator.next(isolation: #isolation) else {
                ended = true
                return false
            }
            raw += buffer.readableBytesView
            decode()
            return true
        }

        /// Reads until the response head is there.
        mutating func readHead() async throws {
            while !headComplete {
                guard try await receive() else { throw WAError(.internalError, "the connection closed before a response") }
            }
        }

        /// Reads the rest of a response with a `Content-Length`.
        mutating func readBody() async throws -> [UInt8] {
            try await readHead()
            let length = Int(headers["content-length"] ?? "") ?? 0
            while body.count < length {
                guard try await receive() else { break }
            }
            return body
        }

        /// Takes the next blank-line-terminated server-sent-events block from the body, if one is complete.
        mutating func takeBlock() -> String? {
            guard let end = body.firstRange(of: [0x0A, 0x0A]) else { return nil }
            let block = String(decoding: body[..<end.lowerBound], as: UTF8.self)
            body.removeSubrange(..<end.upperBound)
            return block
        }

        private mutating func decode() {
            if !headComplete {
                guard let end = raw.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
                let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
                status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                        .trimmingPrefix(" ").description
                }
                chunked = headers["transfer-encoding"]?.lowercased() == "chunked"
                raw.removeSubrange(..<end.upperBound)
                headComplete = true
            }
            guard chunked else {
                body += raw
                raw.removeAll()
                return
            }
            while let lineEnd = raw.firstRange(of: [0x0D, 0x0A]) {
                let sizeText = String(decoding: raw[..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { return }
                let start = lineEnd.upperBound
                guard raw.count >= start + size + 2 else { return }
                body += raw[start..<(start + size)]
                raw.removeSubrange(..<(start + size + 2))
                if size == 0 { ended = true }
            }
        }
    }

    /// Opens a connection to `127.0.0.1:port`, sends `head` (the request line and headers, without the blank line)
    /// and the chunks of `body`, each written as it is made, then hands the response to `read`.
    static func exchange<Body: AsyncSequence, Result: Sendable>(
        port: Int, head: String, body: Body, read: (inout Reader) async throws -> Result
    ) async throws -> Result where Body.Element == [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: head + "\r\n\r\n"))
            for try await chunk in body {
                try await outbound.write(ByteBuffer(bytes: chunk))
            }
            var reader = Reader(iterator: inbound.makeAsyncIterator())
            return try await read(&reader)
        }
    }

    /// A request without a body.
    static func exchange<Result: Sendable>(port: Int, head: String, read: (inout Reader) async throws -> Result)
        async throws -> Result
    {
        try await exchange(port: port, head: head, body: MediaChunks([]), read: read)
    }
}

/// One server-sent event.
struct ServerSentEvent: Equatable {
    var id: String?
    var event: String?
    var data: String

    /// Parses a block; `nil` for a block of comments only (a heartbeat).
    init?(block: String) {
        var id: String?
        var event: String?
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = String(line[line.index(after: colon)...].trimmingPrefix(" "))
            switch line[..<colon] {
            case "id": id = value
            case "event": event = value
            case "data": data.append(value)
            default: break
            }
        }
        guard !data.isEmpty else { return nil }
        self.id = id
        self.event = event
        self.data = data.joined(separator: "\n")
    }
}

extension RawHTTPConnection.Reader {
    /// The next event (skipping heartbeats), or `nil` when none came before `deadline` or the stream ended. The
    /// server's heartbeat keeps data flowing, so the deadline is checked at least that often.
    mutating func nextEvent(within limit: Duration = .seconds(10)) async throws -> ServerSentEvent? {
        let deadline = ContinuousClock.now + limit
        while true {
            while let block = takeBlock() {
                if let event = ServerSentEvent(block: block) { return event }
            }
            if ended || ContinuousClock.now > deadline { return nil }
            guard try await receive() else { return nil }
        }
    }

    /// Whether a `: keep-alive` comment arrives before `deadline` (events before it are skipped).
    mutating func awaitHeartbeat(within limit: Duration = .seconds(5)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            while let block = takeBlock() {
                if block.hasPrefix(": keep-alive") { return true }
            }
            if ended || ContinuousClock.now > deadline { return false }
            guard try await receive() else { return false }
        }
    }
}
