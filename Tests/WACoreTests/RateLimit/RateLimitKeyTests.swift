import Foundation
import Testing
import WACore

@Suite("Rate-limit keys, instants and HTTP request limits")
struct RateLimitKeyTests {
    @Test("text keys use FNV-1a 128 and are stable across processes")
    func textDigest() {
        // FNV-1a 128 of "a" = d228cb696f1a8caf78912b704e4a8964.
        let key = RateLimitKey(scope: .ipAddress, text: "a")
        #expect(key.primaryHigh == 0xD228_CB69_6F1A_8CAF)
        #expect(key.primaryLow == 0x7891_2B70_4E4A_8964)
        #expect(RateLimitKey.ipAddress("203.0.113.7") == .ipAddress("203.0.113.7"))
        #expect(RateLimitKey.ipAddress("203.0.113.7") != .ipAddress("203.0.113.8"))
    }

    @Test("scopes separate keys over the same id")
    func scopes() {
        let id = Identifier<Instance>(high: 9, low: 9)
        let keys: Set<RateLimitKey> = [
            .instanceSends(id), RateLimitKey(scope: .organizationMessages, id), RateLimitKey(scope: .apiKey, id),
            RateLimitKey(scope: .ipAddress, id), RateLimitKey(scope: .init(rawValue: 256), id),
        ]
        #expect(keys.count == 5)
        #expect(RateLimitKey.instanceSends(id).description.hasPrefix("instance_sends:"))
    }

    @Test("instants: Date conversion keeps nanosecond arithmetic exact")
    func instants() {
        let date = Date(timeIntervalSince1970: 1_767_225_600.25)
        let instant = RateLimitInstant(date)
        #expect(instant.nanosecondsSinceEpoch == 1_767_225_600_250_000_000)
        #expect(instant.date == date)
        #expect((instant + .seconds(1)) - instant == .seconds(1))
        #expect(RateLimitInstant(nanosecondsSinceEpoch: .max) + .seconds(1) == RateLimitInstant(nanosecondsSinceEpoch: .max))
        #expect(RateLimitInstant(Date.distantFuture).nanosecondsSinceEpoch == .max)  // year 4001: saturates
        #expect(RateLimitInstant(Date.distantPast).nanosecondsSinceEpoch == .min)
        #expect(RateLimitInstant(Date(timeIntervalSince1970: -0.5)).nanosecondsSinceEpoch == -500_000_000)
    }

    @Test("HTTP front: 100 per 15 minutes per IP by default; key and IP are checked together")
    func httpLimits() async throws {
        let limits = HTTPRequestLimits.standard
        #expect(limits.perIP.limit == 100)
        #expect(limits.perIP.period == .seconds(900))
        let store = MemoryRateLimitStore()
        let ip = RateLimitKey.ipAddress("198.51.100.4")
        let apiKey = RateLimitKey.apiKey(APIKeyID(high: 4, low: 4))
        for _ in 0..<100 {
            #expect(try await limits.admit(ip: ip, apiKey: nil, in: store, now: rateLimitEpoch).isAllowed)
        }
        let denied = try await limits.admit(ip: ip, apiKey: apiKey, in: store, now: rateLimitEpoch)
        #expect(denied.retryAfter == .seconds(9))
        #expect(denied.status.tier == 0)
        // The refused request did not count against the API key.
        let keyOnly = try await store.throttle(apiKey, limit: limits.perAPIKey, quantity: 0, now: rateLimitEpoch)
        #expect(keyOnly.status.remaining == 600)

        let tight = try HTTPRequestLimits(perIP: limits.perIP, perAPIKey: RateLimit(count: 2, per: .seconds(60)))
        var ipState: GCRAState? = nil
        var keyState: GCRAState? = nil
        #expect(tight.evaluate(ip: &ipState, apiKey: &keyState, now: rateLimitEpoch).status.tier == 1)
        #expect(tight.evaluate(ip: &ipState, apiKey: &keyState, now: rateLimitEpoch).isAllowed)
        let byKey = tight.evaluate(ip: &ipState, apiKey: &keyState, now: rateLimitEpoch)
        #expect(byKey.status.tier == 1)
        #expect(byKey.retryAfter == .seconds(30))
        #expect(tight.evaluate(ip: &ipState, now: rateLimitEpoch).status.remaining == 97)
    }
}
