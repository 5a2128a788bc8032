import Foundation
import Testing
import WACore

@Suite("WarmUpCurve")
struct WarmUpCurveTests {
    @Test("monotonic, 10–20 % on day 0, 100 % from the ramp's end", arguments: WarmUpCurve.Shape.allCases)
    func monotonic(shape: WarmUpCurve.Shape) {
        let curve = WarmUpCurve(shape: shape)
        #expect(curve.fraction(day: 0) >= 0.10 && curve.fraction(day: 0) <= 0.20)
        var previousFraction = 0.0
        var previous = InstanceRateLimits(perMinute: 0, perHour: 0, perDay: 0)
        for day in 0...30 {
            let fraction = curve.fraction(day: day)
            #expect(fraction >= previousFraction)
            let limits = curve.scaled(.standard, day: day)
            #expect(limits.perMinute >= previous.perMinute)
            #expect(limits.perHour >= previous.perHour)
            #expect(limits.perDay >= previous.perDay)
            #expect(limits.perMinute >= 1 && limits.perMinute <= 20)
            previousFraction = fraction
            previous = limits
        }
        #expect(curve.fraction(day: 14) == 1)
        #expect(curve.fraction(day: 13) < 1)
        #expect(curve.scaled(.standard, day: 14) == .standard)
        #expect(curve.scaled(.standard, day: 400) == .standard)
    }

    @Test("day 0 of the default curve: 15 % of each tier, rounded down")
    func dayZero() {
        let limits = WarmUpCurve().scaled(.standard, day: 0)
        #expect(limits == InstanceRateLimits(perMinute: 3, perHour: 15, perDay: 150))
        // Day 7 of 14, linear: 0.15 + 0.85 × 0.5 = 0.575.
        #expect(WarmUpCurve().scaled(.standard, day: 7) == InstanceRateLimits(perMinute: 11, perHour: 57, perDay: 575))
    }

    @Test("never below 1 per tier")
    func floorOfOne() {
        let tiny = InstanceRateLimits(perMinute: 1, perHour: 2, perDay: 3)
        #expect(WarmUpCurve(initialFraction: 0.01).scaled(tiny, day: 0) == InstanceRateLimits(perMinute: 1, perHour: 1, perDay: 1))
    }

    @Test("age in whole days from dates; clock behind the link date counts as day 0")
    func ageFromDates() {
        let linked = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(WarmUpCurve.ageInDays(linkedAt: linked, now: linked) == 0)
        #expect(WarmUpCurve.ageInDays(linkedAt: linked, now: linked.addingTimeInterval(86_399)) == 0)
        #expect(WarmUpCurve.ageInDays(linkedAt: linked, now: linked.addingTimeInterval(86_400)) == 1)
        #expect(WarmUpCurve.ageInDays(linkedAt: linked, now: linked.addingTimeInterval(-5_000)) == 0)
        let curve = WarmUpCurve()
        #expect(
            curve.scaled(.standard, linkedAt: linked, now: linked.addingTimeInterval(14 * 86_400)) == .standard)
    }

    @Test("configurable: disabled, custom ramp, validation")
    func configurable() throws {
        #expect(WarmUpCurve.disabled.scaled(.standard, day: 0) == .standard)
        let curve = WarmUpCurve(initialFraction: 0.1, rampDays: 7)
        #expect(curve.fraction(day: 0) == 0.1)
        #expect(curve.fraction(day: 7) == 1)
        try curve.validate()
        expectWAError(.invalidArgument) { try WarmUpCurve(initialFraction: 0).validate() }
        expectWAError(.invalidArgument) { try WarmUpCurve(rampDays: -1).validate() }
    }
}
