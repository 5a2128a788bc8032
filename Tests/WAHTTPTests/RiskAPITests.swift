import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct RiskAPITests {
    /// Ten recipients get the same text: the monitor throttles the instance and raises a warning.
    private static func burst(on instance: String, in tenant: APIHarness.Tenant, _ harness: APIHarness) async throws {
        let id = try InstanceID(parsing: instance)
        for i in 0..<10 {
            _ = try await harness.gateway.risk.record(
                .messageSent(recipient: "49170\(3_000_000 + i)", recipientIsContact: true, text: "Same promo!"),
                instance: id, in: tenant.organization.id)
        }
    }

    @Test func theReportAndTheAlertsShowWhatTheMonitorDecided() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"promo"}"#).object["id"]
                    as? String)
            let calm = try await client.call(.get, "/v1/instances/\(instance)/risk", key: key)
            #expect(calm.status == .ok)
            #expect(try calm.object["instance_id"] as? String == instance)
            #expect(try calm.object["level"] as? String == "normal")
            #expect(try calm.object["score"] as? Double == 0)
            #expect(try calm.object["may_send"] as? Bool == true)
            #expect(try calm.object["updated_at"] == nil)
            let none = try await client.call(.get, "/v1/risk-alerts", key: key)
            #expect((try none.object["items"] as? [Any])?.isEmpty == true)

            try await Self.burst(on: instance, in: harness.acme, harness)
            let report = try await client.call(.get, "/v1/instances/\(instance)/risk", key: key).object
            #expect(report["level"] as? String == "warning")
            #expect((report["throttle_factor"] as? Double ?? 1) < 1)
            #expect((report["score"] as? Double ?? 0) > 0)
            #expect((report["active_rules"] as? [String])?.contains("identical_text_burst") == true)
            #expect(report["unanswered_streak"] as? Int == 10)

            let alerts = try await client.call(.get, "/v1/risk-alerts?instance_id=\(instance)&unacknowledged=true", key: key)
            #expect(alerts.status == .ok)
            let items = try #require(try alerts.object["items"] as? [[String: Any]])
            let alert = try #require(items.first)
            #expect(items.count == 1)
            #expect(alert["instance_id"] as? String == instance)
            #expect(alert["severity"] as? String == "warning")
            #expect(alert["rules"] as? [String] == ["identical_text_burst"])
            #expect((alert["evidence"] as? [String: String])?.isEmpty == false)
            #expect(alert["acknowledged_at"] == nil)
            let alertID = try #require(alert["id"] as? String)

            let acknowledged = try await client.call(.post, "/v1/risk-alerts/\(alertID)/acknowledge", key: key)
            #expect(acknowledged.status == .ok)
            #expect(try acknowledged.object["id"] as? String == alertID)
            #expect(try acknowledged.object["acknowledged_at"] is String)
            let open = try await client.call(.get, "/v1/risk-alerts?unacknowledged=true", key: key)
            #expect((try open.object["items"] as? [Any])?.isEmpty == true)
            let all = try await client.call(.get, "/v1/risk-alerts", key: key)
            #expect((try all.object["items"] as? [Any])?.count == 1)
        }
    }

    @Test func identifiersAreValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let badFilter = try await client.call(.get, "/v1/risk-alerts?instance_id=12ab", key: key)
            #expect(badFilter.status == .unprocessableContent)
            #expect(try badFilter.object["field"] as? String == "instance_id")
            let badAlert = try await client.call(.post, "/v1/risk-alerts/12ab/acknowledge", key: key)
            #expect(badAlert.status == .unprocessableContent)
            #expect(try badAlert.object["field"] as? String == "alert_id")
            let unknown = try await client.call(.get, "/v1/instances/\(UUID().uuidString.lowercased())/risk", key: key)
            #expect(unknown.status == .notFound)
            let badOrder = try await client.call(.get, "/v1/risk-alerts?limit=0", key: key)
            #expect(badOrder.status == .unprocessableContent)
        }
    }

    /// Agents read the risk of their assigned instances only and cannot acknowledge; managers can.
    @Test func rolesAndAssignmentsHold() async throws {
        let (harness, server) = try await APIHarness.make()
        let admin = harness.acme.adminKey
        let manager = try await harness.key(in: harness.acme, role: .manager)
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: admin, json: #"{"name":"watched"}"#).object["id"]
                    as? String)
            try await Self.burst(on: instance, in: harness.acme, harness)
            let raised = try await client.call(.get, "/v1/risk-alerts", key: admin)
            let alertID = try #require((try raised.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            let outsider = try await harness.key(in: harness.acme, role: .agent)
            let unassignedRisk = try await client.call(.get, "/v1/instances/\(instance)/risk", key: outsider)
            #expect(unassignedRisk.status == .forbidden)
            #expect(unassignedRisk.problemCode == "permission_denied")
            let unassignedList = try await client.call(.get, "/v1/risk-alerts", key: outsider)
            #expect((try unassignedList.object["items"] as? [Any])?.isEmpty == true, "not their instance")

            let agent = try await harness.key(
                in: harness.acme, role: .agent, assigned: [try InstanceID(parsing: instance)])
            let assignedRisk = try await client.call(.get, "/v1/instances/\(instance)/risk", key: agent)
            #expect(assignedRisk.status == .ok)
            let assignedList = try await client.call(.get, "/v1/risk-alerts", key: agent)
            #expect((try assignedList.object["items"] as? [Any])?.count == 1)
            let agentAcknowledges = try await client.call(.post, "/v1/risk-alerts/\(alertID)/acknowledge", key: agent)
            #expect(agentAcknowledges.status == .forbidden)
            #expect(agentAcknowledges.problemCode == "permission_denied")
            let managerAcknowledges = try await client.call(
                .post, "/v1/risk-alerts/\(alertID)/acknowledge", key: manager)
            #expect(managerAcknowledges.status == .ok)
        }
    }

    /// Another organization's key gets 404 on every id route.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: owner, json: #"{"name":"private"}"#).object["id"]
                    as? String)
            try await Self.burst(on: instance, in: harness.acme, harness)
            let raised = try await client.call(.get, "/v1/risk-alerts", key: owner)
            let alertID = try #require((try raised.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            let attempts: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/instances/\(instance)/risk"),
                (.get, "/v1/risk-alerts?instance_id=\(instance)"),
                (.post, "/v1/risk-alerts/\(alertID)/acknowledge"),
            ]
            for (method, path) in attempts {
                let response = try await client.call(method, path, key: stranger)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.problemCode == "not_found", "\(method) \(path)")
            }
            let list = try await client.call(.get, "/v1/risk-alerts", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let alerts = try await client.call(.get, "/v1/risk-alerts?unacknowledged=true", key: owner)
            #expect((try alerts.object["items"] as? [Any])?.count == 1, "still unacknowledged")
        }
    }
}
