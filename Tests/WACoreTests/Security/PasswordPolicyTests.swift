import Testing
import WACore

@Suite("Password policy")
struct PasswordPolicyTests {
    static let policy = PasswordPolicy()

    @Test(arguments: [
        "correct horse battery staple",
        "Tr0ub4dor&3-extended",
        "gürtel-fährt-zügig",
        "my cat eats 7 lemons",
        "zebra-Quartz-9-Kettle",
        "🔐🦊🌵🚲🎻🍋🧭🪁🛶🎲",  // ten emoji: ten characters, 40 bytes
        "S7#kq!vW2p",  // exactly 10 characters
    ])
    func acceptable(password: String) throws {
        #expect(Self.policy.violations(password, email: "ana.lima@example.com") == [])
        try Self.policy.validate(password, email: "ana.lima@example.com")
    }

    @Test(arguments: [
        ("short", PasswordPolicy.Violation.tooShort(minimum: 10)),
        ("Abc!23xyz", .tooShort(minimum: 10)),
        (String(repeating: "x1", count: 40), .tooLong(maximumBytes: 72)),
        (String(repeating: "é", count: 37), .tooLong(maximumBytes: 72)),  // 37 characters, 74 bytes
        ("aaaaaaaaaaaa", .repetitive),
        ("............", .repetitive),
        ("abcabcabcabc", .repetitive),
        ("12121212121212", .repetitive),
        ("abcdefghijkl", .sequence),
        ("ABCDEFGHIJKL", .sequence),
        ("1234567890", .sequence),
        ("0987654321", .sequence),
        ("7890123456", .sequence),
        ("qwertyuiop", .sequence),
        ("poiuytrewq", .sequence),
        ("1q2w3e4r5t6y", .sequence),
        ("1qaz2wsx3edc", .sequence),
        ("password123", .common),
        ("Password2024!", .common),
        ("P@ssw0rd1234", .common),
        ("!!iloveyou!!", .common),
        ("letmein12345", .common),
        ("Whatsapp2025", .common),
        ("football1987", .common),
        ("ana.lima-rocks", .containsEmail),
        ("I am LIMA forever", .containsEmail),
        ("tab\tinside-password", .containsControlCharacter),
    ] as [(String, PasswordPolicy.Violation)])
    func rejected(password: String, expected: PasswordPolicy.Violation) {
        let violations = Self.policy.violations(password, email: "Ana.Lima+wa@Example.com")
        #expect(violations.contains(expected), "\(violations)")
        do {
            try Self.policy.validate(password, email: "Ana.Lima+wa@Example.com")
            Issue.record("accepted \(password)")
        } catch {
            #expect(error.code == .weakPassword)
            #expect(error.field == "password")
            #expect(error.message == violations.first?.message)
            #expect(!error.message.contains(password))
        }
    }

    @Test func nulIsAControlCharacter() {
        // Kept out of the parameterised table: a NUL in a test-case name truncates the test runner's output.
        #expect(Self.policy.violations("nul\0inside-password") == [.containsControlCharacter])
        #expect(Self.policy.violations("line\nbreak-password") == [.containsControlCharacter])
    }

    @Test func emailRulesIgnoreShortNamesAndMissingEmail() throws {
        // Local part "al" is too short to be a meaningful match.
        #expect(Self.policy.violations("algebra-is-fun-42", email: "al@example.com") == [])
        #expect(Self.policy.violations("ana.lima-rocks") == [])
        #expect(Self.policy.violations("jo-mcdonald-fan-1", email: "jo.mcdonald@example.com") == [.containsEmail])
        #expect(Self.policy.violations("anything-goes-here", email: "not-an-email") == [])
    }

    @Test func customSettings() {
        let strict = PasswordPolicy(minimumLength: 16, commonPasswords: ["correcthorse"])
        #expect(strict.violations("correct horse battery") == [])
        #expect(strict.violations("CorrectHorse!!!!2") == [.common])
        #expect(strict.violations("shortpassword") == [.tooShort(minimum: 16)])
        #expect(strict.violations("password123456789") == [])  // default list replaced
        let clamped = PasswordPolicy(minimumLength: 100, maximumByteCount: 500)
        #expect(clamped.maximumByteCount == 72)
        #expect(clamped.minimumLength == 72)
        #expect(PasswordPolicy.defaultCommonPasswords.count >= 100)
    }

    @Test func violationsAreReportedInOrder() {
        #expect(Self.policy.violations("aaaa") == [.tooShort(minimum: 10), .repetitive])
        #expect(Self.policy.violations("") == [.tooShort(minimum: 10)])
    }

    @Test func everyViolationHasAMessage() {
        let all: [PasswordPolicy.Violation] = [.containsControlCharacter, .tooShort(minimum: 10),
                                               .tooLong(maximumBytes: 72), .repetitive, .sequence, .common,
                                               .containsEmail]
        #expect(Set(all.map(\.message)).count == all.count)
        #expect(all.allSatisfy { $0.message.hasPrefix("Password") })
    }
}
