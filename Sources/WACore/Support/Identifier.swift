public import Foundation
import Synchronization

/// A typed, time-ordered identifier (UUIDv7, RFC 9562 §5.7) for entities of type `Entity`.
///
/// The type parameter keeps identifiers of different entities apart at compile time (a `MessageID` cannot be passed
/// where a `ContactID` is expected). Identifiers sort by creation time (48-bit Unix milliseconds first), which keeps
/// B-tree inserts local and makes them usable as pagination cursors. They encode as the canonical lowercase UUID
/// string, and PostgreSQL stores them as `uuid`.
public struct Identifier<Entity>: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    /// The 128 bits, big-endian: `high` holds bytes 0–7 (timestamp, version, counter), `low` bytes 8–15.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Wraps a Foundation `UUID` (of any version; identifiers read from storage are not re-validated).
    public init(uuid: UUID) {
        let b = uuid.uuid
        high = [b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7].reduce(0) { $0 << 8 | UInt64($1) }
        low = [b.8, b.9, b.10, b.11, b.12, b.13, b.14, b.15].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses the canonical 36-character form (either case); `nil` for anything else.
    public init?(_ description: String) {
        guard description.utf8.count == 36, let uuid = UUID(uuidString: description) else { return nil }
        self.init(uuid: uuid)
    }

    /// Parses the canonical form or throws ``WAError/Code-swift.enum/invalidIdentifier`` naming `field`.
    public init(parsing text: String, field: String = "id") throws(WAError) {
        guard let id = Identifier(text) else {
            throw WAError(.invalidIdentifier, "not a valid identifier", field: field)
        }
        self = id
    }

    /// The same 128 bits as a Foundation `UUID`.
    public var uuid: UUID {
        let h = high, l = low
        func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * index)) }
        return UUID(uuid: (
            byte(h, 0), byte(h, 1), byte(h, 2), byte(h, 3), byte(h, 4), byte(h, 5), byte(h, 6), byte(h, 7),
            byte(l, 0), byte(l, 1), byte(l, 2), byte(l, 3), byte(l, 4), byte(l, 5), byte(l, 6), byte(l, 7)
        ))
    }

    /// The creation time encoded in a UUIDv7 (millisecond precision).
    public var timestamp: Date {
        Date(timeIntervalSince1970: Double(high >> 16) / 1000)
    }

    /// The UUID version nibble (7 for identifiers WACore generates).
    public var version: Int { Int((high >> 12) & 0xF) }

    public var description: String { uuid.uuidString.lowercased() }

    /// Reinterprets the identifier as one of another entity (used where one id names two things, e.g. a chat
    /// and its JID-keyed row). Use sparingly.
    public func retyped<Other>(as _: Other.Type = Other.self) -> Identifier<Other> {
        Identifier<Other>(high: high, low: low)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Identifier(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid identifier"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Makes UUIDv7 identifiers that are strictly increasing even within one millisecond and across clock steps
/// backwards (RFC 9562 §6.2, method 1: a 12-bit counter in `rand_a`, re-seeded each new millisecond).
///
/// One generator is shared by everything that creates entities in a process.
public final class IdentifierGenerator: Sendable {
    private let clock: any WallClock
    private let random: any RandomSource
    private let last: Mutex<(millis: UInt64, counter: UInt64)> = Mutex((0, 0))

    public init(clock: any WallClock, random: any RandomSource) {
        self.clock = clock
        self.random = random
    }

    /// A new identifier, greater than every identifier this generator returned before.
    public func make<Entity>(_: Entity.Type = Entity.self) -> Identifier<Entity> {
        let seconds = clock.now().timeIntervalSince1970
        let now = UInt64(max(0, (seconds * 1000).rounded(.down)))
        let randomBits = random.next()
        let (millis, counter) = last.withLock { state -> (UInt64, UInt64) in
            if now > state.millis {
                // Start the counter in the lower half so a burst within one millisecond has room to count up.
                state = (now, (randomBits >> 53) & 0x7FF)
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state = (state.millis + 1, 0)
            }
            return state
        }
        let high = (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | counter
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Identifier(high: high, low: low)
    }
}
