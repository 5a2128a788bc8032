import Foundation
import Testing
import WACore

/// Docs/Analytics.md must state what the code does: permissions, export columns, limits.
@Suite("Analytics documentation")
struct AnalyticsDocumentationTests {
    /// The file as written.
    static func raw() throws -> String {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("Docs/Analytics.md"), encoding: .utf8)
    }

    /// The file with runs of white space collapsed (lines wrap anywhere).
    static func text() throws -> String {
        try raw().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func theDocumentedPermissionsAreTheEnforcedOnes() throws {
        let raw = try Self.raw()
        var rows = 0
        let roles = Role.allCases.map { "(\($0))" }
        for line in raw.split(separator: "\n") where line.hasPrefix("| ") && roles.contains(where: line.contains) {
            let cell = try #require(line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { cell in roles.contains { cell.hasSuffix($0) } })
            let parts = cell.split(separator: " ")
            let permission = try #require(Permission(rawValue: parts[0].trimmingCharacters(in: ["`"])), "\(cell)")
            #expect("(\(permission.minimumRole))" == parts[1], "\(permission)")
            rows += 1
        }
        #expect(rows == 8)
    }

    @Test func theDocumentedColumnsAndLimitsAreTheCodes() throws {
        let text = try Self.text()
        let audit = ExportColumn.auditColumns.map(\.name).joined(separator: ", ")
        #expect(text.contains("`\(audit)`"))
        let messages = ExportColumn.messageColumns.map(\.name).joined(separator: ", ")
        #expect(text.contains("columns `\(messages)`"))
        let contacts = try #require(text.range(of: "Contacts: filter with"))
        let sentence = text[contacts.upperBound...].prefix(400)
        for column in ExportColumn.contactColumns.map(\.name) { #expect(sentence.contains(column), "\(column)") }
        #expect(text.contains("At most \(AnalyticsService.maximumDailyMetricsDays) days per call"))
        #expect(RollupSlot.length == .seconds(900) && text.contains("per quarter of an hour of UTC time"))
        #expect(EngagementPolicy.maximumLookback == 32 && text.contains("`EngagementPolicy.engagedLookback` is at most 32"))
        #expect(AnalyticsService.connectedStatuses.map(\.rawValue) == ["authenticated", "ready"])
        #expect(text.contains("instances now `authenticated` or `ready`"))
        #expect(ReplyAttribution().window == .seconds(72 * 3600) && text.contains("at most **72 hours** earlier"))
        let policy = EngagementPolicy()
        #expect(policy.activeWindow == .seconds(7 * 86_400) && policy.dormantAfter == .seconds(30 * 86_400))
        #expect(policy.engagedMinimumReplies == 2 && policy.engagedLookback == 5)
        #expect(text.contains("replied to at least 2 of its last 5 outbound messages"))
    }
}
