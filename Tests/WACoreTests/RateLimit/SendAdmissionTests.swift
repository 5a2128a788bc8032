import Foundation
import Testing
import WACore

@Suite("Send admission (quota + account caps + pause + pair limit)")
struct SendAdmissionTests {
    static let org = OrganizationID(high: 0x0190_0000_0000_7001, low: 0x8000_0000_0000_0001)
    static let instanceID = InstanceID(high: 0x0190_0000_0000_7002, low: 0x8000_0000_0000_0002)
    static let chatA = ChatID(high: 0x0190_0000_0000_7003, low: 0x8000_0000_0000_0003)
    static let chatB = ChatID(high: 0x0190_0000_0000_7004, low: 0x8000_0000_0000_0004)

    static func admission(perDay: Int = 1_000, limits: InstanceRateLimits = .standard) throws -> SendAdmission {
        try SendAdmission(dailyQuota: DailyQuota(limit: perDay), instanceCaps: SendCaps(limits))
    }

    @Test("built from an organization and an instance, with per-instance overrides, warm-up and throttle")
    func fromModel() throws {
        let date = Date(timeIntervalSince1970: 1_767_225_600)
        let organization = Organization(id: Self.org, name: "Acme", slug: "acme", plan: .pro, createdAt: date)
        var instance = Instance(id: Self.instanceID, organizationID: Self.org, name: "support", createdAt: date)
        instance.warmUp = .disabled
        let standard = try SendAdmission(organization: organization, instance: instance, now: date)
        #expect(standard.dailyQuota.limit == 20_000)
        #expect(standard.instanceCaps.caps.map(\.count) == [20, 100, 1000])
        #expect(standard.instanceCaps.caps.map(\.window) == [.seconds(60), .seconds(3_600), .seconds(86_400)])
        #expect(standard.recipientLimit.limit == 1)
        #expect(standard.recipientLimit.emissionInterval == .seconds(6))
        instance.rateLimits = InstanceRateLimits(perMinute: 5, perHour: 50, perDay: 500)
        let custom = try SendAdmission(organization: organization, instance: instance, now: date)
        #expect(custom.instanceCaps.caps.map(\.count) == [5, 50, 500])
        // The risk throttle scales every cap (rounded down, at least 1).
        instance.risk.throttleFactor = 0.5
        let throttled = try SendAdmission(organization: organization, instance: instance, now: date)
        #expect(throttled.instanceCaps.caps.map(\.count) == [2, 25, 250])
        // The organization's warm-up curve applies from the account's link: 15 % on day 0, 100 % from day 14.
        instance.rateLimits = nil
        instance.risk.throttleFactor = 1
        instance.warmUp = nil
        instance.linkedAt = date
        let dayZero = try SendAdmission(organization: organization, instance: instance, now: date)
        #expect(dayZero.instanceCaps.caps.map(\.count) == [3, 15, 150])
        let later = try SendAdmission(organization: organization, instance: instance, now: date.addingTimeInterval(14 * 86_400))
        #expect(later.instanceCaps.caps.map(\.count) == [20, 100, 1000])
    }

    @Test("pair limit: one message per 6 s to the same chat; other chats are independent")
    func pairLimit() async throws {
        let admission = try Self.admission()
        let store = MemoryRateLimitStore()
        let toA = SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: Self.chatA)
        let toB = SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: Self.chatB)
        #expect(try await admission.admit(toA, in: store, now: rateLimitEpoch).isAdmitted)
        let second = try await admission.admit(toA, in: store, now: rateLimitEpoch + .seconds(1))
        #expect(second.deniedBy == .recipient)
        #expect(second.retryAfter == .seconds(5))
        #expect(second.error?.code == .rateLimited)
        #expect(second.error?.retryAfter == .seconds(5))
        #expect(try await admission.admit(toB, in: store, now: rateLimitEpoch + .seconds(1)).isAdmitted)
        let boundary = rateLimitEpoch + .seconds(6)
        #expect(try await !admission.admit(toA, in: store, now: boundary - .nanoseconds(1)).isAdmitted)
        #expect(try await admission.admit(toA, in: store, now: boundary).isAdmitted)
    }

    @Test("pair keys from JIDs ignore the device and separate recipients")
    func pairKeysFromJIDs() throws {
        let user = try JID(parsing: "4915112345678@c.us")
        let device = try JID(user: "4915112345678", server: user.server, device: 3)
        let other = try JID(parsing: "4915112345679@c.us")
        #expect(RateLimitKey.recipient(instance: Self.instanceID, jid: user) == .recipient(instance: Self.instanceID, jid: device))
        #expect(RateLimitKey.recipient(instance: Self.instanceID, jid: user) != .recipient(instance: Self.instanceID, jid: other))
    }

    @Test("a denial in any part consumes nothing in any part")
    func deniedConsumesNothing() throws {
        let admission = try Self.admission(perDay: 2)
        var state = SendAdmissionState()
        #expect(admission.evaluate(&state, now: rateLimitEpoch).isAdmitted)
        let afterFirst = state
        // The pair limit refuses: quota and instance tiers untouched.
        let byPair = admission.evaluate(&state, now: rateLimitEpoch + .seconds(1))
        #expect(byPair.deniedBy == .recipient)
        #expect(state == afterFirst)
        #expect(admission.evaluate(&state, now: rateLimitEpoch + .seconds(6)).isAdmitted)
        let afterSecond = state
        // The quota refuses (pair and instance would pass): pair and instance untouched.
        let byQuota = admission.evaluate(&state, now: rateLimitEpoch + .seconds(12))
        #expect(byQuota.deniedBy == .dailyQuota)
        #expect(state == afterSecond)
        // Proof by later decisions under a larger quota: the pair limit passes at 12 s (it would refuse until
        // 18 s had the refused send been counted) and the minute cap has 17 left after this third send, not 16.
        let generous = try SendAdmission(dailyQuota: DailyQuota(limit: 10), instanceCaps: admission.instanceCaps)
        guard case .admitted(let quota, let instance, _) = generous.evaluate(&state, now: rateLimitEpoch + .seconds(12))
        else {
            Issue.record("expected admission")
            return
        }
        #expect(quota.remaining == 7)
        #expect(instance.remaining == 17)
    }

    @Test("quota exhaustion is reported as quota_exceeded until UTC midnight")
    func quotaExhaustion() throws {
        let admission = try Self.admission(perDay: 2)
        var state = SendAdmissionState()
        let noon = RateLimitInstant(Date(timeIntervalSince1970: 1_773_489_600))  // 2026-03-14T12:00:00Z
        #expect(admission.evaluate(&state, now: noon).isAdmitted)
        state.recipient = nil
        #expect(admission.evaluate(&state, now: noon).isAdmitted)
        state.recipient = nil
        let denied = admission.evaluate(&state, now: noon)
        #expect(denied.deniedBy == .dailyQuota)
        #expect(denied.retryAfter == .seconds(12 * 3_600))
        #expect(denied.error?.code == .quotaExceeded)
        #expect(denied.error?.message == "daily message quota exceeded; retry after 43200 s")
        #expect(denied.error?.retryAfter == .seconds(12 * 3_600))
        #expect(admission.evaluate(&state, now: noon + .seconds(12 * 3_600)).isAdmitted)
    }

    @Test("when several limits refuse, the longest wait is reported")
    func longestWait() throws {
        let admission = try Self.admission(perDay: 1)
        var state = SendAdmissionState()
        #expect(admission.evaluate(&state, now: rateLimitEpoch).isAdmitted)
        // Pair (5 s) and quota (until midnight) both refuse: the quota's wait is longer.
        let denied = admission.evaluate(&state, now: rateLimitEpoch + .seconds(1))
        #expect(denied.deniedBy == .dailyQuota)
        #expect(denied.retryAfter == .seconds(86_399))
        let never = admission.evaluate(&state, now: rateLimitEpoch + .seconds(1), quantity: 2)
        #expect(never.retryAfter == nil)
        #expect(never.error?.message == "daily message quota exceeded; this request is larger than the limit allows")
        #expect(never.error?.retryAfter == nil && never.error?.isRetryable == false)
    }

    @Test("the caps are exact over sliding windows: the 21st send in any 60 s is refused until the first leaves")
    func capsAreExact() async throws {
        let admission = try Self.admission()
        let store = MemoryRateLimitStore()
        var admittedAt: [RateLimitInstant] = []
        var now = rateLimitEpoch
        // 200 attempts, one every 500 ms, each to another chat: the minute cap binds, then the hour cap.
        for i in 0..<2_000 {
            let keys = SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: ChatID(high: 1, low: UInt64(i)))
            let decision = try await admission.admit(keys, in: store, now: now)
            if decision.isAdmitted {
                admittedAt.append(now)
            } else if case .instanceRate(let tier) = decision.deniedBy {
                // The wait ends exactly when the send that fills the window leaves it.
                let window: Duration = tier == 0 ? .seconds(60) : .seconds(3_600)
                let count = tier == 0 ? 20 : 100
                #expect(decision.retryAfter == (admittedAt[admittedAt.count - count] + window) - now)
            }
            now = now + .milliseconds(500)
        }
        // Every sliding window, wherever it starts, holds at most its cap; the caps were reached.
        for (index, start) in admittedAt.enumerated() {
            #expect(admittedAt[index...].prefix { $0 < start + .seconds(60) }.count <= 20)
            #expect(admittedAt[index...].prefix { $0 < start + .seconds(3_600) }.count <= 100)
        }
        #expect(admittedAt.count == 100)
        #expect(admittedAt[20] == admittedAt[0] + .seconds(60))
    }

    @Test("the pause after a send holds the next one, and release never shortens it")
    func pauseAfterASend() async throws {
        let admission = try Self.admission()
        let store = MemoryRateLimitStore()
        func keys(_ i: UInt64) -> SendAdmission.Keys {
            SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: ChatID(high: 2, low: i))
        }
        #expect(try await admission.admit(keys(0), in: store, now: rateLimitEpoch, pauseAfter: .seconds(3)).isAdmitted)
        let early = try await admission.admit(keys(1), in: store, now: rateLimitEpoch + .seconds(1))
        #expect(early.deniedBy == .pause && early.retryAfter == .seconds(2))
        #expect(early.error?.code == .rateLimited)
        // The send took 4 s (it failed, say): the pause counts from its end.
        try await SendAdmission.release(keys(0), in: store, now: rateLimitEpoch + .seconds(4), pause: .seconds(3))
        #expect(try await admission.admit(keys(1), in: store, now: rateLimitEpoch + .seconds(6)).deniedBy == .pause)
        // A shorter release does not shorten it.
        try await SendAdmission.release(keys(0), in: store, now: rateLimitEpoch + .seconds(4), pause: .seconds(1))
        #expect(try await admission.admit(keys(1), in: store, now: rateLimitEpoch + .seconds(7) - .nanoseconds(1)).deniedBy == .pause)
        #expect(try await admission.admit(keys(1), in: store, now: rateLimitEpoch + .seconds(7)).isAdmitted)
    }

    @Test("a check without commit counts nothing")
    func checkWithoutCommit() async throws {
        let admission = try Self.admission(limits: InstanceRateLimits(perMinute: 1, perHour: 10, perDay: 10))
        let store = MemoryRateLimitStore()
        let keys = SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: Self.chatA)
        for _ in 0..<3 { #expect(try await admission.admit(keys, in: store, now: rateLimitEpoch, commit: false).isAdmitted) }
        #expect(store.keyCount == 0)
        #expect(try await admission.admit(keys, in: store, now: rateLimitEpoch).isAdmitted)
        let refused = try await admission.admit(keys, in: store, now: rateLimitEpoch + .seconds(30), commit: false)
        #expect(refused.deniedBy == .instanceRate(tier: 0) && refused.retryAfter == .seconds(30))
    }

    @Test("store-backed admission writes all three keys only when admitted")
    func storeKeys() async throws {
        let admission = try Self.admission()
        let store = MemoryRateLimitStore()
        let keys = SendAdmission.Keys(organization: Self.org, instance: Self.instanceID, chat: Self.chatA)
        #expect(try await admission.admit(keys, in: store, now: rateLimitEpoch, commit: false).isAdmitted)
        #expect(store.keyCount == 0)
        #expect(try await admission.admit(keys, in: store, now: rateLimitEpoch, pauseAfter: .seconds(3)).isAdmitted)
        #expect(store.keyCount == 3)
        let snapshot = store.withStates([keys.quota, keys.instance, keys.recipient], now: rateLimitEpoch) { $0 }
        #expect(try await !admission.admit(keys, in: store, now: rateLimitEpoch + .seconds(2)).isAdmitted)
        let after = store.withStates([keys.quota, keys.instance, keys.recipient], now: rateLimitEpoch) { $0 }
        #expect(after == snapshot)
        #expect(snapshot[0]?.dailyQuota?.used == 1)
        #expect(snapshot[1]?.sendPacing?.log.events == [rateLimitEpoch])
        #expect(snapshot[1]?.sendPacing?.notBefore == rateLimitEpoch + .seconds(3))
        #expect(snapshot[2]?.gcra?[0] == rateLimitEpoch + .seconds(6))
    }
}
