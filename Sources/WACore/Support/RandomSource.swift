import Synchronization

/// Where WACore gets randomness from: API keys, secrets, identifiers, jitter.
///
/// WACore never creates a random generator itself. Production passes ``SystemRandomSource`` (the operating system's
/// CSPRNG); tests pass ``SeededRandomSource`` for reproducible runs.
public protocol RandomSource: Sendable {
    /// The next 64 random bits.
    func next() -> UInt64
}

extension RandomSource {
    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var word = next()
            for _ in 0..<min(8, count - out.count) {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }

    /// A `RandomNumberGenerator` view of this source, for `Int.random(in:using:)` and friends.
    public var generator: RandomSourceGenerator { RandomSourceGenerator(source: self) }
}

/// Adapts a ``RandomSource`` to the standard library's `RandomNumberGenerator`.
public struct RandomSourceGenerator: RandomNumberGenerator {
    let source: any RandomSource
    public mutating func next() -> UInt64 { source.next() }
}

/// The operating system's cryptographically secure generator (`getrandom(2)` on Linux).
public struct SystemRandomSource: RandomSource {
    public init() {}
    public func next() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}

/// A deterministic generator (xoshiro256**, seeded through SplitMix64) for tests and the simulator.
///
/// Not cryptographically secure: never use it for keys or secrets outside tests.
public final class SeededRandomSource: RandomSource {
    private let state: Mutex<(UInt64, UInt64, UInt64, UInt64)>

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = Mutex((splitMix(), splitMix(), splitMix(), splitMix()))
    }

    public func next() -> UInt64 {
        state.withLock { s in
            let result = ((s.1 &* 5) <<< 7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = s.3 <<< 45
            return result
        }
    }
}

infix operator <<< : BitwiseShiftPrecedence

private func <<< (value: UInt64, amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
}
