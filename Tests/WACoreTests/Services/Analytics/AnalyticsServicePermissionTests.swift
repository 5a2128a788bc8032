import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Analytics and audit services: permissions")
struct AnalyticsServicePermissionTests {
    typealias World = AnalyticsServiceWorld

    enum Operation: String, CaseIterable {
        case dashboard, dailyMetrics, campaignReport, segmentCounts, exportMessages, exportContacts, auditQuery,
            auditExport
    }

    /// Which operations each role may perform (the campaign is on the agent's instance).
    static let allowed: [Role: Set<Operation>] = [
        .viewer: [.dashboard, .dailyMetrics, .campaignReport, .segmentCounts],
        .agent: [.dashboard, .dailyMetrics, .campaignReport, .segmentCounts],
        .manager: [.dashboard, .dailyMetrics, .campaignReport, .segmentCounts, .exportMessages, .exportContacts],
        .admin: Set(Operation.allCases),
    ]

    static func run(_ operation: Operation, _ world: World, as principal: Principal) async throws {
        let day = DayKey(World.now)
        switch operation {
        case .dashboard: _ = try await world.analytics.dashboard(by: principal)
        case .dailyMetrics: _ = try await world.analytics.dailyMetrics(from: day.advanced(by: -3), to: day, by: principal)
        case .campaignReport: _ = try await world.analytics.campaignReport(world.c1, by: principal)
        case .segmentCounts: _ = try await world.analytics.segmentCounts(by: principal)
        case .exportMessages: _ = try await World.collect(try await world.analytics.exportMessages(format: .csv, by: principal))
        case .exportContacts: _ = try await World.collect(try await world.analytics.exportContacts(format: .csv, by: principal))
        case .auditQuery: _ = try await world.audit.query(by: principal)
        case .auditExport: _ = try await World.collect(try await world.audit.export(format: .csv, by: principal))
        }
    }

    @Test("the role × operation table", arguments: [Role.viewer, .agent, .manager, .admin])
    func table(role: Role) async throws {
        let world = try await World.make(messageCount: 60)
        let principal = [world.viewer, world.agent, world.manager, world.admin].first { $0.role == role }!
        for operation in Operation.allCases {
            if Self.allowed[role]!.contains(operation) {
                await #expect(throws: Never.self, "\(role) \(operation)") { try await Self.run(operation, world, as: principal) }
            } else {
                await expectWAError(.permissionDenied, "\(role) \(operation)") {
                    try await Self.run(operation, world, as: principal)
                }
            }
        }
    }

    @Test("API keys need the scope as well as the role")
    func apiKeyScopes() async throws {
        let world = try await World.make(messageCount: 10)
        let keys = APIKeyService(environment: world.env)
        let issued = try await keys.issue(name: "dashboard", scopes: [.analyticsRead], by: world.admin)
        let key = try await keys.authenticate(issued.secret.reveal()).principal
        _ = try await world.analytics.dashboard(by: key)
        await expectWAError(.permissionDenied) { try await world.analytics.exportContacts(format: .csv, by: key) }
    }

    @Test("agents are held to their instances")
    func agentInstances() async throws {
        let world = try await World.make(messageCount: 200)
        let day = DayKey(World.now)
        await expectWAError(.permissionDenied) { try await world.analytics.campaignReport(world.c2, by: world.agent) }
        await expectWAError(.permissionDenied) {
            try await world.analytics.dailyMetrics(from: day, to: day, instance: world.i2, by: world.agent)
        }
        // Organization-wide daily metrics are narrowed to the agent's instance.
        let mine = try await world.analytics.dailyMetrics(from: day.advanced(by: -40), to: day, by: world.agent)
        let theirs = try await world.analytics.dailyMetrics(
            from: day.advanced(by: -40), to: day, instance: world.i1, by: world.manager)
        #expect(mine == theirs)
        #expect(mine.map(\.counts.sent).reduce(0, +) > 0)
    }

    @Test("another organization's records are not found, and its figures are not mixed in")
    func otherOrganization() async throws {
        let world = try await World.make(messageCount: 300)
        let other = try await World.make(messageCount: 300, seed: 99, environment: world.env)
        let day = DayKey(World.now)
        await expectWAError(.notFound) { try await world.analytics.campaignReport(other.c1, by: world.admin) }
        await expectWAError(.notFound) {
            try await world.analytics.dailyMetrics(from: day, to: day, instance: other.i1, by: world.admin)
        }
        await expectWAError(.notFound) {
            try await world.analytics.dailyMetrics(from: day, to: day, campaign: other.c1, by: world.admin)
        }

        // Same store, two tenants: each sees exactly its own messages.
        let export = try await World.collect(try await world.analytics.exportMessages(format: .csv, by: world.admin))
        #expect(try World.csv(export.bytes).rows.map { $0[0] } == world.messages.map(\.id.description))
        let dashboard = try await other.analytics.dashboard(by: other.admin)
        let days = Set((0..<30).map { AnalyticsServiceReference.day(World.now.addingTimeInterval(-Double($0) * 86_400), in: .gmt) })
        let expected = AnalyticsServiceReference.figures(other.messages, replies: AnalyticsServiceReference.replies(other.messages)) {
            days.contains(AnalyticsServiceReference.day($0, in: .gmt))
        }
        #expect(dashboard.last30Days.counts == expected.counts)
        // Audit logs are per organization too.
        let log = try await world.audit.query(by: world.admin).items
        #expect(log.allSatisfy { $0.organizationID == world.org } && log.count == 1)
    }
}
