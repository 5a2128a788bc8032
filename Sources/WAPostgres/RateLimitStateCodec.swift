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
        var data = Data([tag])
        data.reserveCapacity(1 + words.count * 8)
        for word in words { withUnsafeBytes(of: word.bigEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func decode(_ data: Data) -> RateLimitState? {
        let bytes = [UInt8](data)
        guard let tag = bytes.first, (bytes.count - 1) % 8 == 0 else { return nil }
        let words = stride(from: 1, to: bytes.count, by: 8).map { start in
            bytes[start..<start + 8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
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
