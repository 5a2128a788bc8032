import Foundation
import Testing
import WACore
import WACoreTesting

/// Reports and statuses print as one readable line (and never their link code).
@Suite("Descriptions")
struct DescriptionTests {
    @Test func anInstanceStatusReadsAsALine() async throws {
        let clock = TestClock()
        let whatsapp = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 4))
        let gateway = Gateway(environment: .testing(clock: clock), transport: whatsapp)
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Shop", slug: "shop", plan: .pro, adminEmail: "owner@shop.example", adminName: "Owner",
            adminPassword: "correct horse battery staple")
        let owner = Principal.acting(as: admin)
        let account = try await gateway.instances.create(name: "shop", by: owner)
        _ = try await gateway.instances.start(account.id, by: owner)
        let qr = try await clock.waitFor("the QR code") { try await gateway.instances.linkCode(account.id, by: owner) }

        let report = try await gateway.instances.status(account.id, by: owner)
        #expect(report.linkCode == qr)
        let line = String(describing: report)
        #expect(line.hasPrefix("instance \"shop\" \(report.status.rawValue) on node-1, sends "))
        #expect(!line.contains(qr.value), "the link code stays out of logs")
        #expect(String(describing: report.sendLimits).hasPrefix("\(report.sendLimits.effective) (configured 20/min, 100/h, 1000/day; warm-up day 0 at "))
        await gateway.supervisor.stopAll()
    }

    @Test func limitsAndCampaignProgress() {
        #expect(InstanceRateLimits.standard.description == "20/min, 100/h, 1000/day")
        let progress = Campaign.Progress(
            total: 200, queued: 48, sent: 150, delivered: 120, read: 80, replied: 5, failed: 2, skipped: 0)
        #expect(
            progress.description
                == "200 recipients: 150 sent, 120 delivered, 80 read, 5 replied, 2 failed, 0 skipped, 48 queued")
    }

    @Test func aCampaignReportReadsAsALine() {
        let ids = Fixtures().ids
        let report = CampaignReport(
            campaignID: ids.make(), name: "Autumn", instanceID: ids.make(), status: .completed,
            progress: Campaign.Progress(total: 3, sent: 3, delivered: 2, read: 1), unreached: 1, firstSentAt: nil,
            lastSentAt: nil, generatedAt: Date(timeIntervalSince1970: 0))
        #expect(
            report.description
                == "campaign \"Autumn\" completed: 3 recipients: 3 sent, 2 delivered, 1 read, 0 replied, 0 failed, "
                + "0 skipped, 0 queued; 1 unreached")
    }
}
