/// Decides whether bytes are plain text, in which encoding, whether that text looks like CSV and whether it is
/// active content.
enum TextClassifier {
    /// The encoding `bytes` are text in, or `nil` when they are not text (see ``TextValidator`` for what text is).
    /// A UTF-16 byte-order mark (`FF FE`, `FE FF`) selects UTF-16; anything else must be UTF-8 (a UTF-8 BOM is
    /// allowed). Legacy 8-bit encodings and UTF-16 without a byte-order mark are not text.
    ///
    /// With `allowsIncompleteTail`, a character cut by the end of a prefix is accepted.
    static func encoding(of bytes: MediaBytes, allowsIncompleteTail: Bool) -> SniffedMedia.TextEncoding? {
        let (encoding, skip): (SniffedMedia.TextEncoding, Int) =
            if bytes.matches([0xFF, 0xFE]) { (.utf16LittleEndian, 2) }
            else if bytes.matches([0xFE, 0xFF]) { (.utf16BigEndian, 2) }
            else { (.utf8, 0) }
        var validator = TextValidator(encoding: encoding)
        guard validator.consume(bytes.storage.dropFirst(skip)) else { return nil }
        return allowsIncompleteTail || validator.isAtCharacterBoundary ? encoding : nil
    }

    /// Whether `bytes` are UTF-8 text.
    static func isText(_ bytes: MediaBytes, allowsIncompleteTail: Bool) -> Bool {
        encoding(of: bytes, allowsIncompleteTail: allowsIncompleteTail) == .utf8
    }

    /// How much of the text's start ``activeContent(of:encoding:)`` reads: 1,024 characters.
    static let activeContentWindow = 1024

    /// What kind of active content text in `encoding` is, judged by how it starts, or `nil` for inert text.
    ///
    /// After a byte-order mark and leading white space:
    /// - a script: `#!` at the very start (a shebang line), or `<?php`;
    /// - HTML: one of the tags by which the WHATWG MIME Sniffing Standard identifies HTML (`<!DOCTYPE HTML`,
    ///   `<HTML`, `<HEAD`, `<SCRIPT`, `<IFRAME`, `<H1`, `<DIV`, `<FONT`, `<TABLE`, `<A`, `<STYLE`, `<TITLE`, `<B`,
    ///   `<BODY`, `<BR`, `<P`, `<!--`), in any case, followed by a space or `>`;
    /// - SVG: `<svg`, or XML (`<?xml`) whose root element or document type is `svg`;
    /// - XML whose root element or document type is `html` (XHTML);
    /// - XML that names a style sheet (`<?xml-stylesheet`) before its root element.
    static func activeContent(of bytes: MediaBytes, encoding: SniffedMedia.TextEncoding) -> SniffedMedia.ActiveContent? {
        let text = asciiProjection(of: bytes, encoding: encoding)
        if text.starts(with: "#!".utf8) { return .script }
        var start = 0
        while start < text.count, [0x09, 0x0A, 0x0C, 0x0D, 0x20].contains(text[start]) { start += 1 }
        let rest = text[start...]
        if startsIgnoringCase(rest, "<?php") { return .script }
        if startsIgnoringCase(rest, "<?xml") { return xmlActiveContent(rest) }
        if startsIgnoringCase(rest, "<svg") { return .svg }
        for tag in htmlTags where startsIgnoringCase(rest, tag) {
            let next = rest.dropFirst(tag.utf8.count).first
            if next == 0x20 || next == 0x3E { return .html }
        }
        return nil
    }

    private static let htmlTags = [
        "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a", "<style",
        "<title", "<b", "<body", "<br", "<p", "<!--",
    ]

    /// An XML document's prolog: a style sheet instruction, or the document type or root element it names.
    private static func xmlActiveContent(_ text: ArraySlice<UInt8>) -> SniffedMedia.ActiveContent? {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: UInt8(ascii: "<")) {
            let markup = text[open...]
            if startsIgnoringCase(markup, "<?xml-stylesheet") { return .styledXML }
            if startsIgnoringCase(markup, "<!doctype") {
                let name = elementName(markup.dropFirst("<!doctype".count).drop { $0 == 0x20 || $0 == 0x0A })
                if name == "svg" { return .svg }
                if name == "html" { return .html }
            } else if let first = markup.dropFirst().first, first != UInt8(ascii: "?"), first != UInt8(ascii: "!") {
                // The root element: its local name, after any prefix (`svg:svg`).
                let name = elementName(markup.dropFirst())
                let local = name.split(separator: ":").last.map(String.init) ?? name
                return local == "svg" ? .svg : local == "html" ? .html : nil
            }
            index = open + 1
        }
        return nil
    }

    /// The lowercased name at the start of `text` (up to white space, `>`, `/` or `[`).
    private static func elementName(_ text: ArraySlice<UInt8>) -> String {
        let name = text.prefix { ![0x09, 0x0A, 0x0D, 0x20, 0x3E, 0x2F, 0x5B].contains($0) }
        return String(decoding: name, as: UTF8.self).lowercased()
    }

    /// The text's first ``activeContentWindow`` characters as bytes: ASCII as itself, anything else as `0x80`
    /// (enough to read markup in any of the encodings).
    private static func asciiProjection(of bytes: MediaBytes, encoding: SniffedMedia.TextEncoding) -> [UInt8] {
        let data = bytes.storage
        switch encoding {
        case .utf8:
            let body = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
            return body.prefix(activeContentWindow).map { $0 < 0x80 ? $0 : 0x80 }
        case .utf16LittleEndian, .utf16BigEndian:
            var result: [UInt8] = []
            var index = 2
            while index + 1 < data.count, result.count < activeContentWindow {
                let unit =
                    encoding == .utf16LittleEndian
                    ? UInt16(data[index]) | UInt16(data[index + 1]) << 8
                    : UInt16(data[index]) << 8 | UInt16(data[index + 1])
                result.append(unit < 0x80 ? UInt8(unit) : 0x80)
                index += 2
            }
            return result
        }
    }

    private static func startsIgnoringCase(_ text: ArraySlice<UInt8>, _ prefix: String) -> Bool {
        text.count >= prefix.utf8.count
            && zip(text, prefix.utf8).allSatisfy { ($0.0 >= 0x41 && $0.0 <= 0x5A ? $0.0 | 0x20 : $0.0) == $0.1 }
    }

    /// The CSV heuristic of `file(1)` (its `is_csv`), so that both agree: counting commas outside double quotes
    /// (`""` escapes a quote), every line must have the same non-zero number of commas as the first; the text is
    /// CSV once ten lines agree, or at the end when at least three lines ended and all agreed.
    static func looksLikeCSV(_ bytes: MediaBytes) -> Bool {
        let data = bytes.storage
        var fieldsInLine = 0
        var fieldsPerLine = 0
        var lines = 0
        var index = 0
        while index < data.count {
            let byte = data[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                index = endOfQuote(data, from: index)
            case UInt8(ascii: ","):
                fieldsInLine += 1
            case UInt8(ascii: "\n"):
                lines += 1
                if lines == 10 { return fieldsPerLine != 0 && fieldsPerLine == fieldsInLine }
                if fieldsPerLine == 0 {
                    if fieldsInLine == 0 { return false }
                    fieldsPerLine = fieldsInLine
                } else if fieldsPerLine != fieldsInLine {
                    return false
                }
                fieldsInLine = 0
            default:
                break
            }
        }
        return fieldsPerLine != 0 && lines > 2
    }

    /// The index just past the quoted field that began before `start`.
    private static func endOfQuote(_ data: [UInt8], from start: Int) -> Int {
        var index = start
        var sawQuote = false
        while index < data.count {
            let byte = data[index]
            index += 1
            if byte != UInt8(ascii: "\"") {
                if sawQuote { return index - 1 }
                continue
            }
            sawQuote.toggle()
        }
        return data.count
    }
}
