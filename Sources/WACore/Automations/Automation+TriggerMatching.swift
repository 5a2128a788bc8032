import Foundation

extension Automation.Trigger {
    /// The longest keyword, in characters.
    public static let maximumKeywordLength = 100
    /// The longest regular expression, in characters.
    public static let maximumPatternLength = 256
    /// Keyword and regex triggers look at this many characters of the message at most (bounding the work a
    /// message can cause).
    public static let maximumMatchedLength = 4_096

    /// Whether the trigger fires for a message with these facts.
    ///
    /// - ``Automation/Trigger/keyword(_:wholeMessage:)``: case-insensitive. With `wholeMessage`, the text with
    ///   surrounding white space removed must equal the keyword. Otherwise the keyword must occur on word
    ///   boundaries: the characters just before and after an occurrence are not letters or digits (or are the
    ///   start or end of the text), so `price` matches "Price?" and "what's the price" but not "priceless". A
    ///   keyword edge that is itself not a letter or digit (`#help`, `c++`) needs no boundary there.
    /// - ``Automation/Trigger/regex(_:)``: Swift `Regex` syntax; the pattern must match somewhere in the text
    ///   (anchor it with `^…$` for the whole text; use `(?i)` for case-insensitivity). A pattern that does not
    ///   compile never matches.
    /// - ``Automation/Trigger/firstMessageFromNewContact``: the context's ``AutomationTriggerContext/isFirstInboundFromContact``.
    /// - ``Automation/Trigger/outsideBusinessHours(_:)``: the business is closed at
    ///   ``AutomationTriggerContext/receivedAt`` (``Automation/BusinessHours/isOpen(at:)`` is false); an unknown time
    ///   zone never matches.
    ///
    /// Keyword and regex triggers read at most the first ``maximumMatchedLength`` characters of the text.
    public func matches(_ context: AutomationTriggerContext) -> Bool {
        switch self {
        case .keyword(let keyword, let wholeMessage):
            guard let body = context.body else { return false }
            let text = String(body.prefix(Self.maximumMatchedLength))
            return wholeMessage ? Self.equalsIgnoringCase(text, keyword) : Self.containsWord(text, keyword)
        case .regex(let pattern):
            guard let body = context.body else { return false }
            let text = String(body.prefix(Self.maximumMatchedLength))
            // Patterns are checked when an automation is saved; one that still fails here never matches.
            do {
                return try Regex(pattern).firstMatch(in: text) != nil
            } catch {
                return false
            }
        case .firstMessageFromNewContact:
            return context.isFirstInboundFromContact
        case .outsideBusinessHours(let hours):
            return hours.isOpen(at: context.receivedAt) == false
        }
    }

    /// The trigger with its text normalised (keywords trimmed), or a typed error naming `field`'s part.
    ///
    /// Keywords are 1…``maximumKeywordLength`` characters on one line; patterns are 1…``maximumPatternLength``
    /// characters and must compile (`invalid_regex`); business hours must pass
    /// ``Automation/BusinessHours/validated(field:)``.
    public func validated(field: String = "trigger") throws(WAError) -> Self {
        switch self {
        case .keyword(let keyword, let wholeMessage):
            let trimmed = keyword.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...Self.maximumKeywordLength).contains(trimmed.count), !trimmed.contains(where: \.isNewline)
            else {
                throw WAError.invalid(
                    field + ".keyword", "a keyword is 1–\(Self.maximumKeywordLength) characters on one line")
            }
            return .keyword(trimmed, wholeMessage: wholeMessage)
        case .regex(let pattern):
            guard (1...Self.maximumPatternLength).contains(pattern.count) else {
                throw WAError(
                    .invalidRegex, "a pattern is 1–\(Self.maximumPatternLength) characters", field: field + ".pattern")
            }
            do {
                _ = try Regex(pattern)
            } catch {
                throw WAError(.invalidRegex, "the pattern is not a valid regular expression", field: field + ".pattern")
            }
            return self
        case .firstMessageFromNewContact:
            return self
        case .outsideBusinessHours(let hours):
            return .outsideBusinessHours(try hours.validated(field: field + ".business_hours"))
        }
    }

    static func equalsIgnoringCase(_ text: String, _ keyword: String) -> Bool {
        text.trimmingCharacters(in: .whitespacesAndNewlines).compare(keyword, options: [.caseInsensitive])
            == .orderedSame
    }

    static func containsWord(_ text: String, _ keyword: String) -> Bool {
        guard let first = keyword.first, let last = keyword.last else { return false }
        let needsLeftBoundary = isWordCharacter(first)
        let needsRightBoundary = isWordCharacter(last)
        var searchStart = text.startIndex
        while searchStart < text.endIndex,
            let found = text.range(of: keyword, options: [.caseInsensitive], range: searchStart..<text.endIndex)
        {
            let leftOK =
                !needsLeftBoundary || found.lowerBound == text.startIndex
                || !isWordCharacter(text[text.index(before: found.lowerBound)])
            let rightOK = !needsRightBoundary || found.upperBound == text.endIndex || !isWordCharacter(text[found.upperBound])
            if leftOK && rightOK { return true }
            searchStart = text.index(after: found.lowerBound)
        }
        return false
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }
}
