import Foundation
import Testing
import WACore
import WACoreTesting

@Suite("Instance access")
struct InstanceAccessTests {
    enum Action: String, CaseIterable, Sendable {
        case get, status, linkCode, start, stop, logout, pairingCode, update, delete
    }

    /// Who may do what on an instance. Agents act only on instances assigned to them.
    static let table: [(Role, Bool, Action, Bool)] = {
        var rows: [(Role, Bool, Action, Bool)] = []
        for action in Action.allCases {
            // Agent on an assigned instance: read and control, never link, change or delete.
            rows.append((.agent, true, action, [.get, .status, .start, .stop].contains(action)))
            // Agent on someone else's instance: nothing.
            rows.append((.agent, false, action, false))
            // Viewer: read only.
            rows.append((.viewer, false, action, [.get, .status].contains(action)))
            // Manager: everything but deleting.
            rows.append((.manager, false, action, action != .delete))
        }
        return rows
    }()

    @Test(arguments: table)
    func permissions(role: Role, assigned: Bool, action: Action, allowed: Bool) async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.service.create(name: "desk", by: admin)
        let principal = try await h.member(role, in: org, assigned: assigned ? [instance.id] : [])
        do {
            switch action {
            case .get: _ = try await h.service.get(instance.id, by: principal)
            case .status: _ = try await h.service.status(instance.id, by: principal)
            case .linkCode: _ = try await h.service.linkCode(instance.id, by: principal)
            case .start: try await h.service.start(instance.id, by: principal)
            case .stop: try await h.service.stop(instance.id, by: principal)
            case .logout: try await h.service.logout(instance.id, by: principal)
            case .pairingCode: try await h.service.requestPairingCode(instance.id, phone: h.phone, by: principal)
            case .update: _ = try await h.service.update(instance.id, name: "renamed", by: principal)
            case .delete: try await h.service.delete(instance.id, by: principal)
            }
            #expect(allowed, "\(role) should not be allowed to \(action)")
        } catch let error as WAError {
            #expect(!allowed, "\(role) should be allowed to \(action): \(error)")
            #expect(error.code == .permissionDenied)
        }
        await h.supervisor.stopAll()
    }

    @Test func agentsListOnlyAssignedInstancesAndCannotCreate() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let mine = try await h.service.create(name: "mine", by: admin)
        let other = try await h.service.create(name: "other", by: admin)
        let agent = try await h.member(.agent, in: org, assigned: [mine.id])
        #expect(try await h.service.list(by: agent).items.map(\.id) == [mine.id])
        #expect(try await h.service.list(by: agent, where: .init(ids: [other.id])).items.isEmpty)
        #expect(Set(try await h.service.list(by: admin).items.map(\.id)) == [mine.id, other.id])
        await expectWAError(.permissionDenied) { try await h.service.create(name: "new", by: agent) }
    }

    @Test func anotherOrganizationsInstanceIsNotFound() async throws {
        let h = InstanceHarness()
        let (_, admin) = try await h.tenant()
        let instance = try await h.service.create(name: "private", by: admin)
        let (_, stranger) = try await TeamService(environment: h.env).createOrganization(
            name: "Other", slug: "other", adminEmail: "eve@example.com", adminName: "Eve",
            adminPassword: "correct horse battery staple")
        for attempt in [
            { try await h.service.get(instance.id, by: .acting(as: stranger)) as Any },
            { try await h.service.start(instance.id, by: .acting(as: stranger)) as Any },
        ] as [() async throws -> Any] {
            await expectWAError(.notFound) { _ = try await attempt() }
        }
    }

    @Test func statusShowsTheLinkCodeOnlyToThoseWhoMayLink() async throws {
        let h = InstanceHarness()
        let (org, admin) = try await h.tenant()
        let instance = try await h.service.create(name: "qr", by: admin)
        try await h.service.start(instance.id, by: admin)
        try await h.waitForStatus(.awaitingQR, instance.id, in: org)
        let agent = try await h.member(.agent, in: org, assigned: [instance.id])
        let forAdmin = try await h.service.status(instance.id, by: admin)
        #expect(forAdmin.status == .awaitingQR && forAdmin.linkCode?.kind == .qrCode && forAdmin.isRunningHere)
        #expect(forAdmin.runningOn == "node-a")
        #expect(try await h.service.status(instance.id, by: agent).linkCode == nil)
        await h.supervisor.stopAll()
    }
}
