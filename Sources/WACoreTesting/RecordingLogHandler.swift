public import Logging
import Synchronization

/// Log entries a test reads back.
public final class LogRecords: Sendable {
    /// One log call: its level, message and merged metadata.
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: Logger.Metadata
    }

    private let state = Mutex<[Entry]>([])

    /// No entries yet.
    public init() {}

    /// Every entry so far, oldest first.
    public var entries: [Entry] { state.withLock { $0 } }

    /// Keeps `entry`.
    public func append(_ entry: Entry) { state.withLock { $0.append(entry) } }
}

/// A log handler that keeps what it is given.
public struct RecordingLogHandler: LogHandler {
    public let records: LogRecords
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    /// A handler appending to `records`.
    public init(records: LogRecords) {
        self.records = records
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        records.append(
            .init(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}
