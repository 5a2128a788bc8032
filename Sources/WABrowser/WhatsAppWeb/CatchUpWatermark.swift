import Foundation
import Synchronization

/// The time of the newest message a profile's sessions reported from others, kept in a small file in the profile:
/// a session that starts again on the profile catches up from there.
final class CatchUpWatermark: Sendable {
    private let file: String
    private let value: Mutex<Double?>

    init(file: String) {
        self.file = file
        let stored = FileManager.default.contents(atPath: file)
            .flatMap { try? JSONDecoder().decode(Stored.self, from: $0) }
        value = Mutex(stored?.lastMessageAt)
    }

    /// Unix seconds of the newest message reported, or nil when none ever was.
    var since: Double? { value.withLock { $0 } }

    /// Moves the watermark to `time` if that is newer, and keeps it.
    func advance(to time: Double?) {
        guard let time else { return }
        let moved = value.withLock { current -> Bool in
            guard current.map({ time > $0 }) ?? true else { return false }
            current = time
            return true
        }
        guard moved, let data = try? JSONEncoder().encode(Stored(lastMessageAt: time)) else { return }
        // Best effort: a lost write only means more messages are reported again (and recognised) next time.
        try? data.write(to: URL(fileURLWithPath: file), options: .atomic)
    }

    private struct Stored: Codable {
        var lastMessageAt: Double
    }
}
