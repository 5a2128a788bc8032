import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard error: `time` (RFC 3339, milliseconds, UTC),
/// `level`, `label`, `message`, then the metadata's keys (the handler's, the provider's, the call's, in that order of
/// precedence). Log shippers read it without parsing text; `serve --log-format text` keeps the human format.
///
/// Values stay what the code logged: strings as strings, string-convertible values as their description, arrays and
/// dictionaries as JSON arrays and objects. Nothing is added that the code did not log, so the rule "no secrets,
/// no message bodies in logs" is the callers' to keep, as with any handler.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        FileHandle.standardError.write(Self.line(event: event, label: label, metadata: merged, now: Date()))
    }

    /// The JSON line for one event, newline included.
    static func line(event: LogEvent, label: String, metadata: Logger.Metadata, now: Date) -> Data {
        var object: [String: Any] = [:]
        for (key, value) in metadata { object[key] = json(value) }
        object["time"] = now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"message":"unencodable log event"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }
}
