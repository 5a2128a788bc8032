/// Strength rules for a new password, checked before it is hashed (sign-up, password change, reset).
///
/// Follows NIST SP 800-63B / OWASP: a minimum length instead of composition rules ("one digit, one symbol"),
/// plus rejection of obviously guessable passwords:
///
/// 1. no control characters (NUL would be truncated by bcrypt; the others are almost always paste accidents);
/// 2. at least ``minimumLength`` characters (grapheme clusters, so "é" or an emoji counts once);
/// 3. at most ``maximumByteCount`` UTF-8 bytes (bcrypt's limit, never silently truncated);
/// 4. not one character repeated (`aaaaaaaaaa`) and not a short unit repeated (`abcabcabcabc`, unit ≤ 4);
/// 5. not a run of a simple sequence: the alphabet or digits, forwards or backwards, or a keyboard row
///    (`abcdefghijk`, `9876543210`, `qwertyuiop`, `1q2w3e4r5t`);
/// 6. not a common breached password, compared case-insensitively after removing leading/trailing digits and
///    symbols and undoing simple "leetspeak" (`P@ssw0rd2024!` counts as `password`);
/// 7. not containing the local part of the user's e-mail address (or any of its `.`/`_`/`-` separated parts
///    of 4+ characters), case-insensitively.
///
/// ```swift
/// try PasswordPolicy().validate(newPassword, email: "ana.lima@example.com")
/// let hash = try hasher.hash(newPassword)
/// ```
public struct PasswordPolicy: Sendable {
    /// One rule a password broke.
    public enum Violation: Sendable, Hashable {
        /// It contains a control character such as NUL or a newline.
        case containsControlCharacter
        /// Fewer than the minimum number of characters.
        case tooShort(minimum: Int)
        /// More than the maximum number of UTF-8 bytes.
        case tooLong(maximumBytes: Int)
        /// One character repeated, or a short unit repeated.
        case repetitive
        /// An alphabetical, numerical or keyboard sequence.
        case sequence
        /// On the list of commonly breached passwords.
        case common
        /// Contains the user's e-mail name.
        case containsEmail

        /// A message that is safe and helpful to show the user.
        public var message: String {
            switch self {
            case .containsControlCharacter:
                "Password must not contain control characters such as line breaks."
            case .tooShort(let minimum):
                "Password must be at least \(minimum) characters long; a passphrase of several words works well."
            case .tooLong(let maximumBytes):
                "Password must be at most \(maximumBytes) bytes long (fewer characters if it uses accents or emoji)."
            case .repetitive:
                "Password must not be one character or a short pattern repeated."
            case .sequence:
                "Password must not be a simple sequence such as abcdef, 123456 or qwerty."
            case .common:
                "Password is too common and appears in lists of breached passwords; choose something unique."
            case .containsEmail:
                "Password must not contain your e-mail address or name."
            }
        }
    }

    /// The minimum number of characters (default 10).
    public let minimumLength: Int
    /// The maximum number of UTF-8 bytes (default and upper bound 72, bcrypt's limit).
    public let maximumByteCount: Int
    /// Lowercase passwords rejected as common (default ``defaultCommonPasswords``).
    public let commonPasswords: Set<String>

    /// A policy; the defaults are the recommended settings.
    ///
    /// `minimumLength` is clamped to 1...`maximumByteCount` and `maximumByteCount` to 1...72.
    public init(
        minimumLength: Int = 10,
        maximumByteCount: Int = BcryptPasswordHasher.maximumPasswordByteCount,
        commonPasswords: Set<String> = PasswordPolicy.defaultCommonPasswords
    ) {
        let maximum = min(max(maximumByteCount, 1), BcryptPasswordHasher.maximumPasswordByteCount)
        self.maximumByteCount = maximum
        self.minimumLength = min(max(minimumLength, 1), maximum)
        self.commonPasswords = Set(commonPasswords.map { $0.lowercased() })
    }

    /// Throws the first rule `password` breaks.
    ///
    /// - Parameter email: the account's e-mail address, when known, to reject passwords containing its name.
    /// - Throws: ``WAError/Code-swift.enum/weakPassword`` with ``Violation/message`` and field `password`.
    public func validate(_ password: String, email: String? = nil) throws(WAError) {
        if let violation = violations(password, email: email).first {
            throw WAError(.weakPassword, violation.message, field: "password")
        }
    }

    /// Every rule `password` breaks, in the order listed in the type's documentation (empty when it is acceptable).
    public func violations(_ password: String, email: String? = nil) -> [Violation] {
        var found: [Violation] = []
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            found.append(.containsControlCharacter)
        }
        if password.count < minimumLength { found.append(.tooShort(minimum: minimumLength)) }
        if password.utf8.count > maximumByteCount { found.append(.tooLong(maximumBytes: maximumByteCount)) }
        let lowered = password.lowercased()
        let characters = Array(lowered)
        if Self.isRepetitive(characters) { found.append(.repetitive) }
        if characters.count >= 3 && Self.isSequence(lowered) { found.append(.sequence) }
        if isCommon(lowered) { found.append(.common) }
        if let email, Self.containsEmailName(lowered, email: email) { found.append(.containsEmail) }
        return found
    }

    // MARK: - Rules

    private static func isRepetitive(_ characters: [Character]) -> Bool {
        guard characters.count >= 2 else { return false }
        for unit in 1...min(4, characters.count / 2) {
            if characters.indices.allSatisfy({ characters[$0] == characters[$0 % unit] }) { return true }
        }
        return false
    }

    private static let sequences: [String] = {
        let alphabet = "abcdefghijklmnopqrstuvwxyz"
        let digits = "0123456789"
        let forward = [
            String(repeating: alphabet, count: 3),
            String(repeating: digits, count: 8),
            "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
            "qazwsxedcrfvtgbyhnujmikolp", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p",
            "q1w2e3r4t5y6u7i8o9p0", "zaq1xsw2cde3vfr4bgt5nhy6mju7",
            "`1234567890-=", "!@#$%^&*()_+",
        ]
        return forward + forward.map { String($0.reversed()) }
    }()

    private static func isSequence(_ lowered: String) -> Bool {
        sequences.contains { $0.contains(lowered) }
    }

    private func isCommon(_ lowered: String) -> Bool {
        if commonPasswords.contains(lowered) { return true }
        let core = lowered.trimmingPrefixAndSuffix { !$0.isLetter }
        guard !core.isEmpty else { return false }
        return commonPasswords.contains(core) || commonPasswords.contains(Self.unLeet(core))
    }

    private static func unLeet(_ text: String) -> String {
        String(text.map { character -> Character in
            switch character {
            case "0": "o"
            case "1", "!": "i"
            case "3": "e"
            case "4", "@": "a"
            case "5", "$": "s"
            case "7", "+": "t"
            case "8": "b"
            case "9": "g"
            default: character
            }
        })
    }

    private static func containsEmailName(_ lowered: String, email: String) -> Bool {
        guard let at = email.lastIndex(of: "@") else { return false }
        var local = email[..<at].lowercased()
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        var names: [String] = local.count >= 3 ? [local] : []
        names += local.split(whereSeparator: { ".-_".contains($0) }).map(String.init).filter { $0.count >= 4 }
        return names.contains { lowered.contains($0) }
    }

    /// A short built-in list of the most common breached passwords and base words (from the public
    /// NCSC/Have I Been Pwned top-100k and SplashData/NordPass yearly lists), lowercase. Combined with the
    /// digit/symbol stripping and leetspeak folding above it also catches `Password123!`, `Qwerty2024` and
    /// `P@ssw0rd`. Deployments can pass a larger list to ``init(minimumLength:maximumByteCount:commonPasswords:)``.
    public static let defaultCommonPasswords: Set<String> = [
        "password", "passw0rd", "password1", "password123", "passwort", "motdepasse", "contrasena", "contraseña",
        "senha", "wachtwoord", "parola", "haslo", "salasana", "qwerty", "qwertz", "azerty", "qwertyuiop",
        "asdfgh", "asdfghjkl", "zxcvbnm", "letmein", "welcome", "welcome1", "iloveyou", "admin", "administrator",
        "root", "login", "changeme", "default", "secret", "master", "access", "monkey", "dragon", "football",
        "baseball", "basketball", "soccer", "hockey", "sunshine", "princess", "shadow", "superman", "batman",
        "trustno", "trustno1", "starwars", "whatever", "freedom", "flower", "hello", "helloworld", "mustang",
        "michael", "jennifer", "jordan", "michelle", "charlie", "ashley", "daniel", "thomas", "hunter",
        "killer", "computer", "internet", "pokemon", "cheese", "chocolate", "butterfly", "liverpool", "chelsea",
        "arsenal", "barcelona", "samsung", "google", "facebook", "whatsapp", "instagram", "linkedin", "abc",
        "abcdef", "abcd", "letmeinplease", "loveme", "lovely", "blink", "jesus", "ninja", "matrix", "summer",
        "winter", "spring", "autumn", "january", "december", "secure", "security", "test", "testing", "guest",
        "user", "demo", "qazwsx", "zaq", "aaaaaa", "azertyuiop", "iloveu", "mypassword", "yourpassword",
        "nopassword", "passpass", "pass", "thisismypassword", "supersecret", "topsecret", "opensesame",
    ]
}

extension String {
    /// `self` without leading and trailing characters matching `predicate`.
    fileprivate func trimmingPrefixAndSuffix(while predicate: (Character) -> Bool) -> String {
        guard let start = firstIndex(where: { !predicate($0) }),
              let end = lastIndex(where: { !predicate($0) })
        else { return "" }
        return String(self[start...end])
    }
}
