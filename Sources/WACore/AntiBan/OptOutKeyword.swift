import Foundation

/// How a message is compared with opt-out and opt-in keywords.
///
/// A message *is* a keyword when the two are equal after both are normalised the same way:
/// 1. compatibility decomposition (NFKD: full-width `ＳＴＯＰ` becomes `STOP`, ligatures are split);
/// 2. only letters and digits are kept: white space, punctuation, symbols and emoji, combining marks (accents,
///    emoji variation selectors) and invisible format characters are dropped;
/// 3. lower case.
///
/// So `STOP`, ` stop. `, `Stop!!! 🛑`, `S T O P` and `ＳＴＯＰ` are all `stop`; `Arrêt` and `ARRET` are both `arret`;
/// `opt-out` and `OPT OUT` are both `optout`. A longer sentence is never a keyword: `don't stop sending` is
/// `dontstopsending`, not `stop`.
public enum OptOutKeyword {
    /// The longest a keyword may be once normalised (in characters). Longer messages are never compared.
    public static let maximumLength = 40

    /// The normal form of `text` (empty when it has no letters or digits).
    public static func normalize(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCompatibilityMapping.unicodeScalars where isKept(scalar) {
            kept.append(scalar)
        }
        return String(kept).lowercased()
    }

    /// The normal form of `text` if it is short enough to be a keyword, else `nil` (cheap for long messages: they
    /// are not decomposed at all).
    static func candidate(_ text: String) -> String? {
        // A keyword of at most `maximumLength` characters can hide in a little more text (spaces, punctuation,
        // emoji with their modifiers, combining accents); a message much longer than that is a sentence.
        guard text.unicodeScalars.count <= maximumLength * 8 else { return nil }
        let normalized = normalize(text)
        return normalized.isEmpty || normalized.count > maximumLength ? nil : normalized
    }

    private static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            true
        default:
            false
        }
    }
}
