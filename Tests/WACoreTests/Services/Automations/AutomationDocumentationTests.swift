import Foundation
import Testing
import WACore

/// Docs/Automations.md must state the limits the code uses.
@Suite struct AutomationDocumentationTests {
    @Test func theDocumentedLimitsAreTheCodesLimits() throws {
        var docs = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { docs = docs.deletingLastPathComponent() }
        let text = try String(contentsOf: docs.appendingPathComponent("Docs/Automations.md"), encoding: .utf8)
        let limits = try #require(text.components(separatedBy: "## Limits").last)
        var documented: [String: String] = [:]
        for line in limits.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        let guardDefaults = AutomationLoopGuard()
        let actual: [String: String] = [
            "AutomationLoopGuard.replyWindow": "\(guardDefaults.replyWindow.components.seconds) s",
            "AutomationLoopGuard.maximumConsecutiveReplies": "\(guardDefaults.maximumConsecutiveReplies)",
            "AutomationLoopGuard.consecutiveWindow": "\(guardDefaults.consecutiveWindow.components.seconds) s",
            "AutomationService.maximumActions": "\(AutomationService.maximumActions)",
            "AutomationService.maximumCooldownSeconds": "\(AutomationService.maximumCooldownSeconds)",
            "Automation.Trigger.maximumKeywordLength": "\(Automation.Trigger.maximumKeywordLength)",
            "Automation.Trigger.maximumPatternLength": "\(Automation.Trigger.maximumPatternLength)",
            "Automation.Trigger.maximumMatchedLength": "\(Automation.Trigger.maximumMatchedLength)",
        ]
        #expect(documented == actual)
    }
}
