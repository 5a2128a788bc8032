import Foundation
import Testing
import WACore

/// A risk monitor's state is stored in its own record (``RiskMonitorRecord``) and must stay readable across
/// versions: a state that no longer decodes pauses the instance and raises a critical alert
/// (``RiskMonitor/recovering(from:policy:pause:at:)``), so a new stored field without a decoding default would
/// pause every instance after an upgrade.
@Suite("Risk monitor stored state")
struct RiskMonitorStoredStateTests {
    /// A state written on 2026-12-06 (before `risk_state_unreadable` existed): a send, a failed send and a reply.
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // AntiBan
        .deletingLastPathComponent()  // WACoreTests
        .appendingPathComponent("Fixtures/Storage/risk-monitor-state-2026-12.json")

    @Test func aStateWrittenByAnEarlierVersionStillDecodes() throws {
        let stored = try Data(contentsOf: Self.fixture)
        let monitor = try JSONDecoder().decode(RiskMonitor.self, from: stored)
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(monitor.policy == .standard)
        #expect(monitor.unansweredStreak == 0, "the reply ended the streak")
        #expect(monitor.score(at: start.addingTimeInterval(30)) > 0, "the failed send still counts")
        #expect(monitor.maySend(at: start.addingTimeInterval(30)))
    }
}
