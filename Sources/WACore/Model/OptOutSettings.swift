import Foundation

/// Opting out by replying: which inbound messages opt a contact out (or back in), and what the gateway answers.
///
/// An organization carries one (``Organization/optOut``, ``standard`` unless changed); an instance may replace it
/// entirely (``Instance/optOut``, for a number that serves another language, or to turn the feature off for one
/// number). When an inbound one-to-one text message *is* one of ``keywords`` (compared as ``OptOutKeyword``
/// describes: whole message, case, accents, punctuation and emoji ignored), the ``MessageEventHandler`` opts the
/// contact out, queues ``confirmation`` once, and publishes `contact.opted_out`. When a contact who is opted out
/// sends one of ``optInKeywords``, they are opted back in (``optInConfirmation``, `contact.opted_in`). See
/// Docs/Messaging.md, "Opting out by replying".
public struct OptOutSettings: Sendable, Hashable, Codable {
    /// Whether inbound keywords are acted on at all. Sends to contacts who are opted out are refused either way.
    public var isEnabled: Bool
    /// Messages that opt the sender out.
    public var keywords: [String]
    /// Messages that opt a sender who is opted out back in (empty: only the API can opt them back in).
    public var optInKeywords: [String]
    /// The text sent once when a contact opts out by keyword (`nil`: send nothing).
    public var confirmation: String?
    /// The text sent once when a contact opts back in by keyword (`nil`: send nothing).
    public var optInConfirmation: String?

    public init(
        isEnabled: Bool = true, keywords: [String] = Self.defaultKeywords,
        optInKeywords: [String] = Self.defaultOptInKeywords, confirmation: String? = Self.defaultConfirmation,
        optInConfirmation: String? = Self.defaultOptInConfirmation
    ) {
        self.isEnabled = isEnabled
        self.keywords = keywords
        self.optInKeywords = optInKeywords
        self.confirmation = confirmation
        self.optInConfirmation = optInConfirmation
    }

    /// The defaults: enabled, with ``defaultKeywords``, ``defaultOptInKeywords`` and the default confirmations.
    public static let standard = OptOutSettings()

    /// Keywords switched off (the standard texts and keywords kept, for turning it on again).
    public static let disabled = OptOutSettings(isEnabled: false)

    /// The default opt-out keywords. English: the US carriers' standard set (CTIA: `STOP`, `STOPALL`,
    /// `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT`) and `OPT OUT`; Spanish `BAJA`, `CANCELAR`; Portuguese `PARAR`,
    /// `SAIR`, `DESCADASTRAR`; French `ARRET` (`ARRÊT`), `DESABONNER`, `DESINSCRIRE`; German `STOPP`, `ABMELDEN`,
    /// `ABBESTELLEN`; Italian `DISISCRIVITI`, `CANCELLAMI`; Dutch `AFMELDEN`, `STOPPEN`; Indonesian and Malay
    /// `BERHENTI`. (`STOP` itself is the standard word in French, German, Italian and Dutch SMS too.) Words that are
    /// ordinary replies in a conversation (`BASTA`, `ALTO`, `FIN`, `NO`) are left out on purpose.
    public static let defaultKeywords: [String] = [
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT",
        "BAJA", "CANCELAR",
        "PARAR", "SAIR", "DESCADASTRAR",
        "ARRET", "DESABONNER", "DESINSCRIRE",
        "STOPP", "ABMELDEN", "ABBESTELLEN",
        "DISISCRIVITI", "CANCELLAMI",
        "AFMELDEN", "STOPPEN",
        "BERHENTI",
    ]

    /// The default opt-in keywords: `START`, `UNSTOP` (acted on only for contacts who are opted out).
    public static let defaultOptInKeywords: [String] = ["START", "UNSTOP"]

    /// The default opt-out confirmation.
    public static let defaultConfirmation =
        "You have been unsubscribed and will not receive further messages from us. Reply START to subscribe again."

    /// The default opt-in confirmation.
    public static let defaultOptInConfirmation =
        "You have subscribed again. Reply STOP to unsubscribe."

    /// At most this many keywords in each list.
    public static let maximumKeywords = 100
    /// The longest confirmation text.
    public static let maximumConfirmationLength = 1_024

    /// What an inbound text is, under these settings.
    public enum Match: Sendable, Hashable {
        /// One of ``keywords`` (as configured).
        case optOut(keyword: String)
        /// One of ``optInKeywords`` (as configured).
        case optIn(keyword: String)
    }

    /// Whether `text` is one of the keywords (never when disabled).
    public func match(_ text: String) -> Match? {
        guard isEnabled, let normalized = OptOutKeyword.candidate(text) else { return nil }
        if let keyword = keywords.first(where: { OptOutKeyword.normalize($0) == normalized }) {
            return .optOut(keyword: keyword)
        }
        if let keyword = optInKeywords.first(where: { OptOutKeyword.normalize($0) == normalized }) {
            return .optIn(keyword: keyword)
        }
        return nil
    }

    /// Checks the settings and returns them cleaned (keywords trimmed, duplicates dropped), or throws
    /// `invalid_argument`: a keyword without letters or digits or longer than ``OptOutKeyword/maximumLength`` once
    /// normalised, more than ``maximumKeywords`` in a list, a word in both lists, or a confirmation that is empty or
    /// longer than ``maximumConfirmationLength``.
    public func validated() throws(WAError) -> OptOutSettings {
        var result = self
        result.keywords = try Self.validKeywords(keywords, field: "opt_out.keywords")
        result.optInKeywords = try Self.validKeywords(optInKeywords, field: "opt_out.opt_in_keywords")
        let optOut = Set(result.keywords.map(OptOutKeyword.normalize))
        if let both = result.optInKeywords.first(where: { optOut.contains(OptOutKeyword.normalize($0)) }) {
            throw WAError.invalid("opt_out.opt_in_keywords", "'\(both)' cannot both opt out and opt in")
        }
        try Self.checkText(confirmation, field: "opt_out.confirmation")
        try Self.checkText(optInConfirmation, field: "opt_out.opt_in_confirmation")
        return result
    }

    private static func validKeywords(_ keywords: [String], field: String) throws(WAError) -> [String] {
        guard keywords.count <= maximumKeywords else {
            throw WAError.invalid(field, "at most \(maximumKeywords) keywords")
        }
        var seen: Set<String> = []
        var result: [String] = []
        for keyword in keywords {
            let trimmed = keyword.trimmingCharacters(in: .whitespacesAndNewlines)
            let normalized = OptOutKeyword.normalize(trimmed)
            guard !normalized.isEmpty, normalized.count <= OptOutKeyword.maximumLength else {
                throw WAError.invalid(
                    field, "'\(trimmed)' must have 1–\(OptOutKeyword.maximumLength) letters or digits")
            }
            if seen.insert(normalized).inserted { result.append(trimmed) }
        }
        return result
    }

    private static func checkText(_ text: String?, field: String) throws(WAError) {
        guard let text else { return }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= maximumConfirmationLength
        else {
            throw WAError.invalid(field, "a confirmation is 1–\(maximumConfirmationLength) characters (or none)")
        }
    }
}
