import Foundation
import Testing
import WACore

/// The error catalogue (`WAError.Code`) is the one list of codes: well-formed, documented in Docs/Errors.md, and the
/// only source of the codes the library throws.
@Suite struct ErrorCatalogueTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let cataloguePath = "Sources/WACore/Support/WAError+Code.swift"

    @Test func rawValuesAreUniqueSnakeCase() {
        let raw = WAError.Code.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for value in raw + WAError.Kind.allCases.map(\.rawValue) {
            #expect(value.wholeMatch(of: /[a-z]+(_[a-z0-9]+)*/) != nil, "\(value) is not snake_case")
        }
    }

    @Test func retryabilityFollowsTheKind() {
        for code in WAError.Code.allCases {
            let expected =
                code.kind == .rateLimited || code.kind == .unavailable || code == .versionConflict
                || code == .storageConflict
            #expect(code.isRetryable == expected, "\(code)")
        }
    }

    @Test func aRateLimitedErrorWithoutAWaitIsNotRetryable() {
        #expect(WAError(.rateLimited, "x", retryAfter: .seconds(3)).isRetryable)
        #expect(!WAError(.rateLimited, "x").isRetryable)
        #expect(!WAError(.quotaExceeded, "x").isRetryable)
        #expect(WAError(.transportError, "x").isRetryable)
        #expect(WAError(.versionConflict, "x").isRetryable)
        #expect(!WAError(.invalidArgument, "x").isRetryable)
        #expect(WAError(.mediaTooLarge, "x").kind == .tooLarge)
    }

    /// Docs/Errors.md lists every code with its kind and whether it is retryable, and every kind.
    @Test func theDocumentedCatalogueIsTheCodeOne() throws {
        let rows = try Self.documentedCodes()
        let documented = Dictionary(rows.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(documented.count == rows.count, "a code is documented twice")
        for code in WAError.Code.allCases {
            guard let row = documented[code.rawValue] else {
                Issue.record("\(code.rawValue) is missing from Docs/Errors.md")
                continue
            }
            #expect(row.kind == code.kind.rawValue, "\(code): documented kind \(row.kind), code says \(code.kind)")
            #expect(row.retryable == code.isRetryable, "\(code): documented retryable \(row.retryable)")
            #expect(!row.meaning.isEmpty, "\(code): no meaning documented")
        }
        let unknown = Set(documented.keys).subtracting(WAError.Code.allCases.map(\.rawValue))
        #expect(unknown.isEmpty, "Docs/Errors.md documents codes that do not exist: \(unknown.sorted())")

        let kinds = try Self.documentedKinds()
        #expect(kinds == WAError.Kind.allCases.map(\.rawValue), "Docs/Errors.md lists the kinds in order")
    }

    /// Every code a source file names where a code is expected (a throw site, a contract check, a comparison) is a
    /// documented catalogue code; and nothing reopens the catalogue (an extension adding codes or aliases) or makes
    /// a code from a string at run time.
    @Test func everyCodeTheSourcesUseIsInTheCatalogue() throws {
        let cases = try Self.catalogueCases()
        #expect(cases.map(\.raw) == WAError.Code.allCases.map(\.rawValue), "the catalogue file was parsed completely")
        let documented = Set(try Self.documentedCodes().map(\.code))
        let rawByName = Dictionary(uniqueKeysWithValues: cases.map { ($0.name, $0.raw) })

        let usePatterns = [
            #/WAError\(\s*\.(?<name>\w+)/#, #/WAError\.Code\.(?<name>\w+)/#, #/checkThrows\(\s*\.(?<name>\w+)/#,
            #/code\s*[!=]=\s*\.(?<name>\w+)/#,
        ]
        let codeMembers: Set<String> = ["rawValue", "allCases", "init"]
        var uses = 0
        for file in try Self.swiftFiles(under: ["Sources", "Examples"]) {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            if file != Self.cataloguePath, text.contains(#/extension\s+(WAError\s*\.\s*)?Code\b/#) {
                Issue.record("\(file) reopens WAError.Code; add codes to \(Self.cataloguePath) and Docs/Errors.md")
            }
            if text.contains(#/\bCode\s*\(\s*rawValue:/#) {
                Issue.record("\(file) makes a WAError.Code from a string at run time")
            }
            for pattern in usePatterns {
                for match in text.matches(of: pattern) {
                    let name = String(match.output.name)
                    if codeMembers.contains(name) { continue }
                    let line = text[..<match.range.lowerBound].count { $0 == "\n" } + 1
                    guard let raw = rawByName[name] else {
                        Issue.record("\(file):\(line) uses .\(name), which is not a case of WAError.Code")
                        continue
                    }
                    if !documented.contains(raw) {
                        Issue.record("\(file):\(line) throws \(raw), which Docs/Errors.md does not list")
                    }
                    uses += 1
                }
            }
        }
        #expect(uses > 200, "the scan found the throw sites (\(uses))")
    }

    // MARK: Reading the files

    struct DocumentedCode { var code: String, kind: String, retryable: Bool, meaning: String }

    /// The rows of the tables under "## Codes": | `code` | kind | yes/no | meaning |.
    static func documentedCodes() throws -> [DocumentedCode] {
        try tableRows(after: "## Codes").map { cells in
            #expect(cells.count == 4, "a code row has four cells: \(cells)")
            #expect(["yes", "no"].contains(cells[safe: 2] ?? ""), "retryable is yes or no: \(cells)")
            return DocumentedCode(
                code: cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), kind: cells[safe: 1] ?? "",
                retryable: cells[safe: 2] == "yes", meaning: cells[safe: 3] ?? "")
        }
    }

    static func documentedKinds() throws -> [String] {
        try tableRows(after: "## Kinds", until: "## ").map { $0[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
    }

    /// The cells of every table row whose first cell is code (`| \`…\` |`) between `heading` and the next heading
    /// that starts with `until`.
    static func tableRows(after heading: String, until end: String? = nil) throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent("Docs/Errors.md"), encoding: .utf8)
        var inside = false
        var rows: [[String]] = []
        for line in text.split(separator: "\n") {
            if line == heading { inside = true; continue }
            if inside, let end, line.hasPrefix(end) { break }
            guard inside, line.hasPrefix("| `") else { continue }
            rows.append(line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return rows
    }

    /// `case name = "raw"` in declaration order, read from the catalogue's source.
    static func catalogueCases() throws -> [(name: String, raw: String)] {
        let text = try String(contentsOf: root.appendingPathComponent(cataloguePath), encoding: .utf8)
        let body = text[..<(text.range(of: "public var description")?.lowerBound ?? text.endIndex)]
        return body.matches(of: #/\n\s*case (?<name>\w+) = "(?<raw>\w+)"/#).map {
            (String($0.output.name), String($0.output.raw))
        }
    }

    /// The repository-relative paths of the Swift files under `folders`.
    static func swiftFiles(under folders: [String]) throws -> [String] {
        var files: [String] = []
        for folder in folders {
            let base = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in walker where url.pathExtension == "swift" {
                files.append(String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)))
            }
        }
        #expect(files.contains(cataloguePath))
        return files.sorted()
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
