/// A small deterministic random stream (SplitMix64) that the fingerprint generator derives from a seed.
///
/// Kept separate from ``SeededRandomSource`` on purpose: the mapping from an instance's seed to its fingerprint
/// must not change when the test generator changes. Not cryptographically secure, and never used for secrets.
struct DeterministicStream: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// Seeds the stream from arbitrary bytes (FNV-1a 64 folded through SplitMix64).
    init(bytes: some Sequence<UInt8>) {
        self.init(seed: DeterministicStream.fnv1a(bytes))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An index in `0..<count` (count > 0).
    mutating func index(below count: Int) -> Int {
        Int(next() % UInt64(count))
    }

    /// Picks an element with probability proportional to its weight (weights > 0, list non-empty).
    mutating func weighted<T>(_ entries: [(T, Int)]) -> T {
        let total = entries.reduce(0) { $0 + max(0, $1.1) }
        guard total > 0 else { return entries[0].0 }
        var ticket = Int(next() % UInt64(total))
        for (value, weight) in entries where weight > 0 {
            if ticket < weight { return value }
            ticket -= weight
        }
        return entries[entries.count - 1].0
    }

    /// True with probability `numerator / denominator`.
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        Int(next() % UInt64(denominator)) < numerator
    }

    /// FNV-1a, 64-bit.
    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
