/// A SQL script (a migration file) split into its statements, so that each can be sent on its own.
///
/// PostgresNIO speaks only the extended query protocol, and PostgreSQL refuses a Parse message that holds more
/// than one statement ("cannot insert multiple commands into a prepared statement"); the simple query protocol,
/// which would take the whole file, is not available (PostgresNIO's `simpleQuery` is a prepared statement too).
/// So the script is split at every `;` that is outside a string, a quoted identifier, a dollar-quoted body
/// (`DO $$ … $$`, `AS $fn$ … $fn$`) and a comment, the way `psql` splits a file.
///
/// Supported: `'…'` strings (with `''`), `E'…'` strings (with backslash escapes), `"…"` identifiers, dollar quotes
/// with or without a tag, `--` comments and nested `/* */` comments. Refused, with the line: transaction control
/// (`BEGIN`, `COMMIT`, `ROLLBACK` …: a migration runs in a transaction of its own), SQL-standard function bodies
/// (`BEGIN ATOMIC … END`, whose inner `;` cannot be told apart without parsing SQL: use a dollar-quoted body),
/// and unterminated strings, identifiers, dollar quotes or comments. Assumes `standard_conforming_strings = on`
/// (PostgreSQL's default since 9.1).
struct SQLScript: Sendable, Hashable {
    /// One statement, without its terminating `;`.
    struct Statement: Sendable, Hashable {
        /// The statement's text, from its first token to its end (comments inside are kept).
        var text: String
        /// The 1-based line of the script on which the statement starts.
        var line: Int

        /// The script line a 1-based character position in ``text`` (as PostgreSQL reports it) falls on.
        func line(ofPosition position: Int) -> Int {
            line + text.unicodeScalars.prefix(max(0, position - 1)).count(where: { $0 == "\n" })
        }
    }

    /// Why a script cannot be split.
    struct Problem: Error, Sendable, Hashable {
        var line: Int
        var reason: String
    }

    var statements: [Statement]

    init(_ text: String) throws(Problem) {
        var lexer = Lexer(bytes: Array(text.utf8))
        statements = try lexer.statements()
    }
}

extension SQLScript {
    private struct Lexer {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        // The statement being read.
        var start: Int?
        var startLine = 0
        var words: [String] = []
        /// The last word and the index just after it, to see an `E` prefix and `BEGIN ATOMIC`.
        var lastWord: (text: String, end: Int)?

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func statements() throws(Problem) -> [Statement] {
            var result: [Statement] = []
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\n"):
                    line += 1
                    index += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                    index += 1
                case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                    try skipBlockComment()
                case UInt8(ascii: ";"):
                    if let statement = try finishStatement(end: index) { result.append(statement) }
                    index += 1
                default:
                    try token(byte)
                }
            }
            if let statement = try finishStatement(end: bytes.count) { result.append(statement) }
            return result
        }

        private func peek(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        /// Reads one significant token (a string, identifier, dollar-quoted body, word or punctuation).
        private mutating func token(_ byte: UInt8) throws(Problem) {
            if start == nil {
                start = index
                startLine = line
                words = []
                lastWord = nil
            }
            switch byte {
            case UInt8(ascii: "'"):
                let escapes = lastWord.map { $0.end == index && $0.text == "e" } ?? false
                try skipQuoted(UInt8(ascii: "'"), backslashEscapes: escapes, what: "string")
                lastWord = nil
            case UInt8(ascii: "\""):
                try skipQuoted(UInt8(ascii: "\""), backslashEscapes: false, what: "quoted identifier")
                lastWord = nil
            case UInt8(ascii: "$"):
                if let tag = dollarQuoteTag() {
                    try skipDollarQuoted(tag)
                } else {
                    index += 1  // a parameter ($1) or an operator character
                }
                lastWord = nil
            case _ where Self.isWordByte(byte):
                let wordStart = index
                while index < bytes.count && Self.isWordByte(bytes[index]) { index += 1 }
                let word = String(decoding: bytes[wordStart..<index], as: UTF8.self).lowercased()
                if lastWord?.text == "begin" && word == "atomic" {
                    throw Problem(
                        line: line,
                        reason: "a BEGIN ATOMIC function body is not supported in a migration; use a dollar-quoted "
                            + "body (AS $$ … $$)")
                }
                words.append(word)
                lastWord = (word, index)
            default:
                index += 1
                lastWord = nil
            }
        }

        /// Letters, digits, `_`, `$` (inside a word) and any byte of a non-ASCII character.
        private static func isWordByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"), 0x80...0xFF:
                return true
            default:
                return false
            }
        }

        private mutating func skipBlockComment() throws(Problem) {
            let openedOn = line
            var depth = 0
            repeat {
                if peek(0) == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                    depth += 1
                    index += 2
                } else if peek(0) == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                    depth -= 1
                    index += 2
                } else if index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                } else {
                    throw Problem(line: openedOn, reason: "unterminated /* comment")
                }
            } while depth > 0
        }

        /// Skips `quote … quote`, where a doubled quote stands for itself.
        private mutating func skipQuoted(_ quote: UInt8, backslashEscapes: Bool, what: String) throws(Problem) {
            let openedOn = line
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") { line += 1 }
                if backslashEscapes && byte == UInt8(ascii: "\\") {
                    if peek(1) == UInt8(ascii: "\n") { line += 1 }
                    index += 2
                } else if byte == quote {
                    if peek(1) == quote {
                        index += 2
                    } else {
                        index += 1
                        return
                    }
                } else {
                    index += 1
                }
            }
            throw Problem(line: openedOn, reason: "unterminated \(what)")
        }

        /// The opening `$tag$` at `index`, if it is one: `$$`, or `$` + an identifier without `$` + `$`.
        private func dollarQuoteTag() -> ArraySlice<UInt8>? {
            var end = index + 1
            guard end < bytes.count else { return nil }
            if bytes[end] != UInt8(ascii: "$") {
                let first = bytes[end]
                guard Self.isWordByte(first), first != UInt8(ascii: "$"),
                    !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
                else { return nil }
                while end < bytes.count && Self.isWordByte(bytes[end]) && bytes[end] != UInt8(ascii: "$") { end += 1 }
                guard end < bytes.count && bytes[end] == UInt8(ascii: "$") else { return nil }
            }
            return bytes[index...end]
        }

        private mutating func skipDollarQuoted(_ tag: ArraySlice<UInt8>) throws(Problem) {
            let openedOn = line
            index += tag.count
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "$") && bytes[index...].starts(with: tag) {
                    index += tag.count
                    return
                }
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
            throw Problem(
                line: openedOn, reason: "unterminated dollar-quoted string \(String(decoding: tag, as: UTF8.self))")
        }

        /// The statement read so far (from its first token to `end`), if there is one.
        private mutating func finishStatement(end: Int) throws(Problem) -> Statement? {
            guard let statementStart = start else { return nil }
            start = nil
            if let first = words.first {
                let second = words.count > 1 ? words[1] : nil
                let control: Set = ["begin", "start", "commit", "end", "abort"]
                if control.contains(first) || (first == "rollback" && second != "to") {
                    throw Problem(
                        line: startLine,
                        reason: "transaction control (\(first.uppercased())) is not allowed in a migration: each "
                            + "migration runs in a transaction of its own")
                }
            }
            var text = String(decoding: bytes[statementStart..<end], as: UTF8.self)
            while let last = text.last, last.isWhitespace { text.removeLast() }
            return Statement(text: text, line: startLine)
        }
    }
}
