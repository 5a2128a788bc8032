import Foundation
import Testing
import WACore

/// Docs/Access.md must state the matrix the code enforces.
@Suite struct AccessDocumentationTests {
    @Test func theDocumentedMatrixIsTheEnforcedOne() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/Access.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var documented: [Permission: (roles: [Bool], instanceScoped: Bool)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let permission = try #require(Permission(rawValue: name), "unknown permission \(name) in Docs/Access.md")
            documented[permission] = (cells[1...4].map { $0 == "✓" }, cells.count > 5 && cells[5] == "yes")
        }
        #expect(Set(documented.keys) == Set(Permission.allCases), "every permission is documented")
        for (permission, row) in documented {
            let enforced = Role.allCases.sorted().map { permission.minimumRole <= $0 }
            #expect(row.roles == enforced, "\(permission): documented \(row.roles), enforced \(enforced)")
            #expect(row.instanceScoped == permission.isInstanceScoped, "\(permission): instance scope")
        }
    }
}
