import Foundation
import WACore

/// The bytes `rate_limit_states.state` holds for a ``WACore/RateLimitState``: a tag byte, then big-endian 64-bit
/// words. `1`: GCRA, the four tiers' TATs in nanoseconds (`Int64.min`: no history); `2`: a daily quota, day and
/// used; `3`: send pacing, the log's capacity, the horizon's seconds and attoseconds, the pause's end (`Int64.min`:
/// none) and the logged instants. Anything else reads as no state.
enum RateLimitStateCodec {
    static func encode(_ state: RateLimitState) -> Data {
        var words: [Int64] = []
        let tag: UInt8
        switch state {
        case .gcra(let tiers):
            tag = 1
            words = (0..<TieredRateLimitState.capacity).map { tiers[$0]?.nanosecondsSinceEpoch ?? .min }
        case .dailyQuota(let quota):
            tag = 2
            words = [quota.day, quota.used]
        case .sendPacing(let pacing):
            tag = 3
            let (seconds, attoseconds) = pacing.horizon.components
            words = [
                Int64(pacing.log.capacity), seconds, attoseconds, pacing.notBefore?.nanosecondsSinceEpoch ?? .min,
            ] + pacing.log.events.map(\.nanosecondsSinceEpoch)
        }
        // One allocation, written in place: appending word by word to a `Data` costs more than the decision itself
        // for a send log of 1,000 instants.
        return Data(count: 1 + words.count * 8, writing: tag, words)
    }

    /// The words of `data` after its tag byte, big-endian; `nil` unless whole words follow the tag.
    private static func words(of data: Data) -> (tag: UInt8, words: [Int64])? {
        data.withUnsafeBytes { raw -> (UInt8, [Int64])? in
            guard let tag = raw.first, (raw.count - 1) % 8 == 0 else { return nil }
            let count = (raw.count - 1) / 8
            let words = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    buffer[index] = Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 1 + index * 8, as: Int64.self))
                }
                initialized = count
            }
            return (tag, words)
        }
    }

    static func decode(_ data: Data) -> RateLimitState? {
        guard let (tag, words) = words(of: data) else { return nil }
        switch tag {
        case 1:
            guard words.count == TieredRateLimitState.capacity else { return nil }
            return .gcra(TieredRateLimitState(tats: words.map { $0 == .min ? nil : RateLimitInstant(nanosecondsSinceEpoch: $0) }))
        case 2:
            guard words.count == 2 else { return nil }
            return .dailyQuota(DailyQuotaState(day: words[0], used: words[1]))
        case 3:
            guard words.count >= 4, words[0] > 0 else { return nil }
            let log = SendLog(
                events: words.dropFirst(4).map { RateLimitInstant(nanosecondsSinceEpoch: $0) }, capacity: Int(words[0]))
            return .sendPacing(
                SendPacingState(
                    log: log, notBefore: words[3] == .min ? nil : RateLimitInstant(nanosecondsSinceEpoch: words[3]),
                    horizon: Duration(secondsComponent: words[1], attosecondsComponent: words[2])))
        default:
            return nil
        }
    }
}

extension Data {
    /// `count` bytes: `tag`, then `words` big-endian.
    fileprivate init(count: Int, writing tag: UInt8, _ words: [Int64]) {
        self.init(count: count)
        withUnsafeMutableBytes { raw in
            raw[0] = tag
            for (index, word) in words.enumerated() {
                raw.storeBytes(of: word.bigEndian, toByteOffset: 1 + index * 8, as: Int64.self)
            }
        }
    }
}
