import Foundation

/// Turns a client's file name into one that is safe to store, show and hand to any file system.
///
/// ``sanitize(_:type:maximumUTF8Length:fallbackStem:)`` applies, in order:
/// 1. Unicode NFC (`precomposedStringWithCanonicalMapping`), so the same name always has the same bytes;
/// 2. only the last path component, splitting at both `/` and `\`;
/// 3. removal of control characters (C0, DEL, C1) and of invisible format characters that can disguise a name
///    (bidirectional marks, embeddings, overrides such as U+202E and isolates, the zero-width space, word joiners,
///    the BOM; zero-width joiners and non-joiners stay, as emoji and several scripts need them), and replacement
///    of the characters Windows forbids (`< > : " | ? *`) with `_`;
/// 4. trimming of leading dots and whitespace (no hidden files, no `..`) and trailing dots and whitespace
///    (Windows drops them);
/// 5. when a type is given and the name does not end with one of its extensions, the type's preferred
///    extension is appended (`invoice.pdf.exe` sniffed as PDF becomes `invoice.pdf.exe.pdf`);
/// 6. a bound of `maximumUTF8Length` UTF-8 bytes (255 by default), cutting the stem at a character boundary and
///    keeping the extension;
/// 7. a fallback stem (`file`) when nothing is left, and a `_` prefix for Windows device names (`CON`, `PRN`,
///    `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, with any extension).
public enum MediaFileName {
    /// The default bound, in UTF-8 bytes: the common file-system limit for one name.
    public static let defaultMaximumUTF8Length = 255

    /// The longest extension (in UTF-8 bytes, without the dot) kept whole when a name is shortened.
    static let maximumExtensionLength = 16

    /// A safe, normalised version of `name`. See the type's documentation for the rules.
    public static func sanitize(
        _ name: String?, type: MediaType? = nil, maximumUTF8Length: Int = defaultMaximumUTF8Length,
        fallbackStem: String = "file"
    ) -> String {
        let limit = max(maximumUTF8Length, 32)
        var text = (name ?? "").precomposedStringWithCanonicalMapping
        if let separator = text.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            text = String(text[text.index(after: separator)...])
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isRemoved(scalar) {
            scalars.append(isForbidden(scalar) ? "_" : scalar)
        }
        text = trimmed(String(scalars))
        if text.isEmpty { text = trimmed(fallbackStem).isEmpty ? "file" : trimmed(fallbackStem) }

        if let type, let preferred = type.fileExtensions.first {
            let current = pathExtension(of: text)?.lowercased()
            if current.map({ !type.fileExtensions.contains($0) }) ?? true { text += "." + preferred }
        }
        text = bounded(text, to: limit)
        if isReservedOnWindows(text) { text = bounded("_" + text, to: limit) }
        return text
    }

    /// The extension after the last dot, when the name has a non-empty stem and a non-empty extension.
    static func pathExtension(of name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : String(ext)
    }

    private static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0, DEL, C1
        case 0x061C, 0x200B, 0x200E, 0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        "<>:\"|?*".unicodeScalars.contains(scalar)
    }

    private static func trimmed(_ text: String) -> String {
        var characters = Substring(text)
        while let first = characters.first, first == "." || first.isWhitespace { characters.removeFirst() }
        while let last = characters.last, last == "." || last.isWhitespace { characters.removeLast() }
        return String(characters)
    }

    /// `text` cut to `limit` UTF-8 bytes at a character boundary, keeping a short extension whole.
    private static func bounded(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var stem = Substring(text)
        var suffix = ""
        if let ext = pathExtension(of: text), ext.utf8.count <= maximumExtensionLength {
            suffix = "." + ext
            stem = text.dropLast(ext.count + 1)
        }
        let budget = limit - suffix.utf8.count
        var used = 0
        var end = stem.startIndex
        while end < stem.endIndex {
            let next = stem.index(after: end)
            used += stem[end..<next].utf8.count
            if used > budget { break }
            end = next
        }
        var result = trimmed(String(stem[..<end]))
        if result.isEmpty { result = "file" }
        return result + suffix
    }

    private static let reservedStems: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        for digit in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"] {
            names.insert("COM" + digit)
            names.insert("LPT" + digit)
        }
        return names
    }()

    private static func isReservedOnWindows(_ name: String) -> Bool {
        let stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return reservedStems.contains(stem.trimmingCharacters(in: .whitespaces).uppercased())
    }
}
