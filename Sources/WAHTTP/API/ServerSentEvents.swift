import WACore

/// How `GET /v1/events` streams server-sent events.
public struct EventStreamSettings: Sendable, Hashable {
    /// How often a `: keep-alive` comment goes out, so that proxies and clients keep an idle stream open.
    public var heartbeat: Duration
    /// How many events (and comments) may wait for one client; a client that falls this far behind is
    /// disconnected (it resumes with `Last-Event-ID`), so a slow reader costs bounded memory.
    public var bufferCapacity: Int

    /// Settings with a `heartbeat` period and a per-client `bufferCapacity` (at least 1).
    public init(heartbeat: Duration = .seconds(15), bufferCapacity: Int = 256) {
        self.heartbeat = heartbeat
        self.bufferCapacity = max(1, bufferCapacity)
    }
}

/// The `text/event-stream` encoding of the event log (WHATWG HTML §9.2) and the bounded stream one client reads.
enum ServerSentEvents {
    /// One event: `id:` its sequence number, `event:` its type, `data:` its JSON (one line: canonical JSON has no
    /// newline).
    static func frame(_ logged: LoggedEvent) -> ArraySlice<UInt8> {
        var bytes = Array("id: \(logged.sequence)\nevent: \(logged.event.type.rawValue)\ndata: ".utf8)
        bytes += logged.event.encoded()
        bytes += Array("\n\n".utf8)
        return bytes[...]
    }

    /// The comment that keeps an idle stream open.
    static let keepAlive = Array(": keep-alive\n\n".utf8)[...]

    /// The frames of `backlog`, then of `live`, that pass `accept`, with a ``keepAlive`` every
    /// ``EventStreamSettings/heartbeat``, through a buffer of ``EventStreamSettings/bufferCapacity`` frames. When
    /// the buffer is full (the client does not read fast enough) or `live` fails, the stream ends after what is
    /// buffered; when the client goes away, reading `live` stops.
    static func stream<Live: AsyncSequence & Sendable>(
        backlog: [LoggedEvent], live: Live, settings: EventStreamSettings,
        accept: @escaping @Sendable (LoggedEvent) -> Bool
    ) -> AsyncStream<ArraySlice<UInt8>> where Live.Element == LoggedEvent {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ArraySlice<UInt8>.self, bufferingPolicy: .bufferingOldest(settings.bufferCapacity))
        @Sendable func send(_ frame: ArraySlice<UInt8>) -> Bool {
            guard case .enqueued = continuation.yield(frame) else {
                continuation.finish()
                return false
            }
            return true
        }
        let events = Task {
            defer { continuation.finish() }
            for logged in backlog where accept(logged) {
                guard send(frame(logged)) else { return }
            }
            do {
                for try await logged in live where accept(logged) {
                    guard send(frame(logged)) else { return }
                }
            } catch {
                // The subscription failed (cancelled, or the principal no longer stands): the stream ends.
            }
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: settings.heartbeat) } catch { return }
                guard send(keepAlive) else { return }
            }
        }
        continuation.onTermination = { _ in
            events.cancel()
            heartbeat.cancel()
        }
        return stream
    }
}
