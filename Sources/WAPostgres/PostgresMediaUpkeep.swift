import Foundation
public import Logging
public import ServiceLifecycle

/// Removes the media writes a crash left incomplete (``PostgresMediaStore/removeAbandonedWrites(olderThan:)``) now
/// and then: a ServiceLifecycle `Service` to run beside the store's client. It ends on cancellation or a graceful
/// shutdown; a failed round is logged and the next one tries again.
///
/// ```swift
/// let upkeep = PostgresMediaUpkeep(media: store.media, logger: logger)   // every hour, writes older than a day
/// ```
public struct PostgresMediaUpkeep: Service {
    /// The store whose abandoned writes are removed.
    public let media: PostgresMediaStore
    /// Time between two rounds (the first round runs at once).
    public let interval: Duration
    /// A write still incomplete this long after it started counts as abandoned: it must be longer than the longest
    /// upload can take, since a write still streaming then is removed and fails.
    public let abandonAfter: Duration
    private let logger: Logger

    /// An upkeep of `media` every `interval` (an hour), removing writes incomplete after `abandonAfter` (a day).
    public init(
        media: PostgresMediaStore, interval: Duration = .seconds(3_600), abandonAfter: Duration = .seconds(86_400),
        logger: Logger
    ) {
        self.media = media
        self.interval = interval
        self.abandonAfter = abandonAfter
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await round(now: Date())
                try? await Task.sleep(for: interval)  // cancelled: the loop ends
            }
        }
    }

    /// One round: removes the writes started before `now - abandonAfter`; returns how many it removed (0 after a
    /// failure, which it logs).
    @discardableResult
    func round(now: Date) async -> Int {
        let (seconds, attoseconds) = abandonAfter.components
        let cutOff = now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
        do {
            let removed = try await media.removeAbandonedWrites(olderThan: cutOff)
            if removed > 0 { logger.notice("removed abandoned media writes", metadata: ["count": "\(removed)"]) }
            return removed
        } catch {
            logger.warning(
                "removing abandoned media writes failed; the next round tries again",
                metadata: ["error": "\(PostgresErrorSummary(error).text)"])
            return 0
        }
    }
}
