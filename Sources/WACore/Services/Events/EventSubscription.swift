/// The events of one organization as one principal sees them, from a position on, as they commit
/// (``EventLogService/subscribe(from:by:)``).
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = LoggedEvent

    let service: EventLogService
    let principal: Principal
    let start: EventLogService.Position

    public func makeAsyncIterator() -> Iterator {
        Iterator(service: service, principal: principal, start: start)
    }

    /// Reads a page at a time; sleeps ``EventLogService/pollInterval`` when caught up.
    public struct Iterator: AsyncIteratorProtocol {
        let service: EventLogService
        let principal: Principal
        let start: EventLogService.Position
        /// The last number examined; `nil` until the start is resolved.
        var position: UInt64?
        var buffered: [LoggedEvent] = []

        init(service: EventLogService, principal: Principal, start: EventLogService.Position) {
            self.service = service
            self.principal = principal
            self.start = start
        }

        public mutating func next() async throws -> LoggedEvent? {
            while buffered.isEmpty {
                try Task.checkCancellation()
                let after = try await resolvedPosition()
                let page = try await service.read(after: after, limit: 500, by: principal)
                position = page.position
                buffered = page.events.reversed()
                if buffered.isEmpty, page.position == after {
                    try await service.env.clock.sleepForUpkeep(for: service.pollInterval)
                }
            }
            return buffered.popLast()
        }

        private mutating func resolvedPosition() async throws -> UInt64 {
            if let position { return position }
            let resolved: UInt64
            switch start {
            case .after(let sequence): resolved = sequence
            case .oldest: resolved = try await service.bounds(by: principal).firstRetained - 1
            case .latest: resolved = try await service.bounds(by: principal).last
            }
            position = resolved
            return resolved
        }
    }
}
