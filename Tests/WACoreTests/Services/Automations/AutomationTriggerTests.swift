import Foundation
import Testing
import WACore

/// The triggers as pure values: matching and validation, no store.
@Suite("Automation triggers")
struct AutomationTriggerTests {
    /// 2026-01-05 is a Monday; Berlin is UTC+1 in January.
    static func berlin(_ day: Int, _ hour: Int, _ minute: Int = 0, month: Int = 1) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute))!
    }

    static func text(_ body: String?) -> AutomationTriggerContext {
        AutomationTriggerContext(body: body, isFirstInboundFromContact: false, receivedAt: berlin(5, 12))
    }

    struct TextCase: Sendable, CustomTestStringConvertible {
        var trigger: Automation.Trigger
        var body: String?
        var fires: Bool
        var testDescription: String { "\(trigger) on \(body.map { "'\($0)'" } ?? "nil") → \(fires)" }
    }

    static let textCases: [TextCase] = [
        // Contains, on word boundaries, case-insensitive.
        .init(trigger: .keyword("price", wholeMessage: false), body: "What's the PRICE?", fires: true),
        .init(trigger: .keyword("price", wholeMessage: false), body: "price", fires: true),
        .init(trigger: .keyword("price", wholeMessage: false), body: "the price-list please", fires: true),
        .init(trigger: .keyword("price", wholeMessage: false), body: "priceless", fires: false),
        .init(trigger: .keyword("price", wholeMessage: false), body: "best-prices", fires: false),
        .init(trigger: .keyword("price", wholeMessage: false), body: "priceless, but the price?", fires: true),
        .init(trigger: .keyword("order status", wholeMessage: false), body: "my Order Status pls", fires: true),
        .init(trigger: .keyword("#help", wholeMessage: false), body: "need #help now", fires: true),
        .init(trigger: .keyword("#help", wholeMessage: false), body: "x#help", fires: true),
        .init(trigger: .keyword("#help", wholeMessage: false), body: "#helpme", fires: false),
        .init(trigger: .keyword("café", wholeMessage: false), body: "Is the CAFÉ open?", fires: true),
        .init(trigger: .keyword("price", wholeMessage: false), body: nil, fires: false),
        // Whole message: trimmed, case-insensitive, nothing else.
        .init(trigger: .keyword("hi", wholeMessage: true), body: "  Hi \n", fires: true),
        .init(trigger: .keyword("hi", wholeMessage: true), body: "hi there", fires: false),
        .init(trigger: .keyword("hi", wholeMessage: true), body: "hi!", fires: false),
        .init(trigger: .keyword("stop", wholeMessage: true), body: "STOP", fires: true),
        // Regex: Swift Regex, anywhere in the text, case-sensitive unless (?i).
        .init(trigger: .regex(#"^order\s+#?\d+$"#), body: "order #123", fires: true),
        .init(trigger: .regex(#"^order\s+#?\d+$"#), body: "my order 123", fires: false),
        .init(trigger: .regex("(?i)refund"), body: "REFUND please", fires: true),
        .init(trigger: .regex("refund"), body: "Refund please", fires: false),
        .init(trigger: .regex(#"\b\d{5}\b"#), body: "zip 10115 Berlin", fires: true),
        .init(trigger: .regex(#"\b\d{5}\b"#), body: "zip 1011", fires: false),
        .init(trigger: .regex("."), body: nil, fires: false),
        // The other triggers ignore the text.
        .init(trigger: .firstMessageFromNewContact, body: "hello", fires: false),
    ]

    @Test(arguments: textCases)
    func textTriggers(_ testCase: TextCase) {
        #expect(testCase.trigger.matches(Self.text(testCase.body)) == testCase.fires)
    }

    @Test func keywordAndRegexReadOnlyTheFirst4096Characters() {
        let long = String(repeating: "x ", count: 2_048) + "price"
        #expect(!Automation.Trigger.keyword("price", wholeMessage: false).matches(Self.text(long)))
        #expect(!Automation.Trigger.regex("price").matches(Self.text(long)))
        #expect(Automation.Trigger.regex("price").matches(Self.text("price " + long)))
    }

    @Test func firstMessageFromNewContact() {
        let first = AutomationTriggerContext(body: nil, isFirstInboundFromContact: true, receivedAt: Self.berlin(5, 12))
        #expect(Automation.Trigger.firstMessageFromNewContact.matches(first))
        #expect(!Automation.Trigger.firstMessageFromNewContact.matches(Self.text("hi")))
    }

    struct HoursCase: Sendable, CustomTestStringConvertible {
        var hours: Automation.BusinessHours
        var at: Date
        var open: Bool
        var label: String
        var testDescription: String { label }
    }

    static let office = Automation.BusinessHours(
        timeZone: "Europe/Berlin", weekdays: [1, 2, 3, 4, 5], opensAtMinute: 9 * 60, closesAtMinute: 17 * 60)
    static let nightShift = Automation.BusinessHours(
        timeZone: "Europe/Berlin", weekdays: [5], opensAtMinute: 22 * 60, closesAtMinute: 6 * 60)
    static let lateShop = Automation.BusinessHours(
        timeZone: "America/New_York", weekdays: [6, 7], opensAtMinute: 18 * 60, closesAtMinute: 1_440)

    static let hoursCases: [HoursCase] = [
        .init(hours: office, at: berlin(5, 8, 59), open: false, label: "Monday 08:59 before opening"),
        .init(hours: office, at: berlin(5, 9, 0), open: true, label: "Monday 09:00 opening minute"),
        .init(hours: office, at: berlin(5, 16, 59), open: true, label: "Monday 16:59"),
        .init(hours: office, at: berlin(5, 17, 0), open: false, label: "Monday 17:00 closing minute"),
        .init(hours: office, at: berlin(9, 12), open: true, label: "Friday noon"),
        .init(hours: office, at: berlin(10, 12), open: false, label: "Saturday noon"),
        .init(hours: office, at: berlin(11, 12), open: false, label: "Sunday noon"),
        .init(hours: office, at: berlin(6, 10, month: 7), open: true, label: "summer time: Monday 10:00 CEST"),
        .init(hours: office, at: berlin(6, 8, 30, month: 7), open: false, label: "summer time: Monday 08:30 CEST"),
        .init(hours: nightShift, at: berlin(9, 23), open: true, label: "overnight: Friday 23:00"),
        .init(hours: nightShift, at: berlin(10, 5, 59), open: true, label: "overnight: Saturday 05:59"),
        .init(hours: nightShift, at: berlin(10, 6, 0), open: false, label: "overnight: Saturday 06:00"),
        .init(hours: nightShift, at: berlin(9, 5, 0), open: false, label: "overnight: Friday 05:00 (Thursday not listed)"),
        .init(hours: nightShift, at: berlin(8, 23), open: false, label: "overnight: Thursday 23:00"),
        // 2026-01-10 23:30 Berlin = 17:30 New York (Saturday).
        .init(hours: lateShop, at: berlin(10, 23, 30), open: false, label: "New York Saturday 17:30"),
        .init(hours: lateShop, at: berlin(11, 5, 59), open: true, label: "New York Saturday 23:59 (until midnight)"),
        .init(hours: lateShop, at: berlin(12, 6, 0), open: false, label: "New York Monday 00:00"),
    ]

    @Test(arguments: hoursCases)
    func businessHours(_ testCase: HoursCase) throws {
        #expect(testCase.hours.isOpen(at: testCase.at) == testCase.open)
        let context = AutomationTriggerContext(body: "hi", isFirstInboundFromContact: false, receivedAt: testCase.at)
        // The trigger fires exactly when the business is closed.
        #expect(Automation.Trigger.outsideBusinessHours(testCase.hours).matches(context) == !testCase.open)
    }

    @Test func anUnknownTimeZoneNeverMatches() {
        let hours = Automation.BusinessHours(timeZone: "Mars/Olympus", weekdays: [1], opensAtMinute: 0, closesAtMinute: 60)
        #expect(hours.isOpen(at: Self.berlin(5, 12)) == nil)
        #expect(!Automation.Trigger.outsideBusinessHours(hours).matches(Self.text("hi")))
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var trigger: Automation.Trigger
        var code: WAError.Code
        var field: String
        var testDescription: String { "\(trigger) → \(code) (\(field))" }
    }

    static func hours(_ zone: String = "Europe/Berlin", _ days: Set<Int> = [1], _ opens: Int = 540, _ closes: Int = 1_020)
        -> Automation.Trigger
    {
        .outsideBusinessHours(.init(timeZone: zone, weekdays: days, opensAtMinute: opens, closesAtMinute: closes))
    }

    static let invalidCases: [InvalidCase] = [
        .init(trigger: .keyword("   ", wholeMessage: false), code: .invalidArgument, field: "trigger.keyword"),
        .init(trigger: .keyword("two\nlines", wholeMessage: true), code: .invalidArgument, field: "trigger.keyword"),
        .init(trigger: .keyword(String(repeating: "k", count: 101), wholeMessage: false), code: .invalidArgument,
              field: "trigger.keyword"),
        .init(trigger: .regex(""), code: .invalidRegex, field: "trigger.pattern"),
        .init(trigger: .regex("(unclosed"), code: .invalidRegex, field: "trigger.pattern"),
        .init(trigger: .regex("[z-a]"), code: .invalidRegex, field: "trigger.pattern"),
        .init(trigger: .regex(String(repeating: "a", count: 257)), code: .invalidRegex, field: "trigger.pattern"),
        .init(trigger: hours("Mars/Olympus"), code: .unknownTimeZone, field: "trigger.business_hours.time_zone"),
        .init(trigger: hours("Europe/Berlin", []), code: .invalidBusinessHours, field: "trigger.business_hours.weekdays"),
        .init(trigger: hours("Europe/Berlin", [0, 1]), code: .invalidBusinessHours, field: "trigger.business_hours.weekdays"),
        .init(trigger: hours("Europe/Berlin", [8]), code: .invalidBusinessHours, field: "trigger.business_hours.weekdays"),
        .init(trigger: hours("Europe/Berlin", [1], -1), code: .invalidBusinessHours,
              field: "trigger.business_hours.opens_at_minute"),
        .init(trigger: hours("Europe/Berlin", [1], 1_440, 60), code: .invalidBusinessHours,
              field: "trigger.business_hours.opens_at_minute"),
        .init(trigger: hours("Europe/Berlin", [1], 0, 1_441), code: .invalidBusinessHours,
              field: "trigger.business_hours.closes_at_minute"),
        .init(trigger: hours("Europe/Berlin", [1], 600, 600), code: .invalidBusinessHours,
              field: "trigger.business_hours.closes_at_minute"),
    ]

    @Test(arguments: invalidCases)
    func invalidTriggersAreRefusedWithTypedErrors(_ testCase: InvalidCase) {
        let error = expectWAError(testCase.code) { try testCase.trigger.validated() }
        #expect(error?.field == testCase.field)
    }

    @Test func validTriggersAreNormalised() throws {
        #expect(try Automation.Trigger.keyword("  Price ", wholeMessage: false).validated() == .keyword("Price", wholeMessage: false))
        #expect(try Self.hours("Europe/Berlin", [1, 7], 0, 1_440).validated() == Self.hours("Europe/Berlin", [1, 7], 0, 1_440))
        #expect(try Self.hours("Asia/Tokyo", [5], 1_320, 360).validated() == Self.hours("Asia/Tokyo", [5], 1_320, 360))
        #expect(try Automation.Trigger.regex(#"(?i)^\s*(hi|hello)\b"#).validated() == .regex(#"(?i)^\s*(hi|hello)\b"#))
    }
}
