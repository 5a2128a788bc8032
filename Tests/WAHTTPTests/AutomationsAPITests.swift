import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct AutomationsAPITests {
    @Test func createReadChangeEnableDisableAndDeleteAnAutomation() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let template = try await harness.gateway.templates.create(name: "hours", body: "We open at 9, {{first_name}}", by: admin)
        try await Application(router: server).test(.live) { client in
            let instance = try #require(
                try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"desk"}"#).object["id"] as? String)
            let created = try await client.call(
                .post, "/v1/automations", key: key,
                json: #"{"name":" Hours ","instance_id":"\#(instance)","trigger":{"type":"keyword","keyword":" Hours "},"actions":[{"type":"reply_with_template","template_id":"\#(template.id)"},{"type":"tag_contact","tag":"Asked-Hours"}],"cooldown_seconds":60}"#)
            #expect(created.status == .created)
            let automation = try created.object
            let id = try #require(automation["id"] as? String)
            #expect(automation["name"] as? String == "Hours")
            #expect(automation["enabled"] as? Bool == true)
            #expect(automation["instance_id"] as? String == instance)
            #expect(automation["cooldown_seconds"] as? Int == 60)
            let trigger = try #require(automation["trigger"] as? [String: Any])
            #expect(trigger["type"] as? String == "keyword")
            #expect(trigger["keyword"] as? String == "Hours")
            #expect(trigger["whole_message"] as? Bool == false)
            let actions = try #require(automation["actions"] as? [[String: Any]])
            #expect(actions.compactMap { $0["type"] as? String } == ["reply_with_template", "tag_contact"])
            #expect(actions.last?["tag"] as? String == "asked-hours")

            let read = try await client.call(.get, "/v1/automations/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["id"] as? String == id)

            let disabled = try await client.call(.post, "/v1/automations/\(id)/disable", key: key)
            #expect(disabled.status == .ok)
            #expect(try disabled.object["enabled"] as? Bool == false)
            let disabledAgain = try await client.call(.post, "/v1/automations/\(id)/disable", key: key)
            #expect(try disabledAgain.object["version"] as? Int == (try disabled.object["version"] as? Int))
            let onlyEnabled = try await client.call(.get, "/v1/automations?enabled=true", key: key)
            #expect((try onlyEnabled.object["items"] as? [Any])?.isEmpty == true)
            let enabled = try await client.call(.post, "/v1/automations/\(id)/enable", key: key)
            #expect(enabled.status == .ok)
            #expect(try enabled.object["enabled"] as? Bool == true)

            let changed = try await client.call(
                .patch, "/v1/automations/\(id)", key: key,
                json: #"{"name":"Hours (all)","organization_wide":true,"trigger":{"type":"outside_business_hours","business_hours":{"time_zone":"Europe/Berlin","weekdays":[5,1,2],"opens_at_minute":540,"closes_at_minute":1020}}}"#)
            #expect(changed.status == .ok)
            let after = try changed.object
            #expect(after["name"] as? String == "Hours (all)")
            #expect(after["instance_id"] == nil)
            let hours = (after["trigger"] as? [String: Any])?["business_hours"] as? [String: Any]
            #expect(hours?["weekdays"] as? [Int] == [1, 2, 5])
            #expect(hours?["closes_at_minute"] as? Int == 1020)

            let list = try await client.call(.get, "/v1/automations?instance_id=\(instance)", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [id])

            let deleted = try await client.call(.delete, "/v1/automations/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/automations/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    @Test func inputIsValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let custom = try await harness.gateway.templates.create(name: "order", body: "Order {{order_id}}", by: admin)
        try await Application(router: server).test(.live) { client in
            let tag = #"[{"type":"tag_contact","tag":"x"}]"#
            let cases: [(body: String, status: HTTPResponse.Status, code: String, field: String?)] = [
                (#"{"name":"","trigger":{"type":"keyword","keyword":"a"},"actions":\#(tag)}"#, .unprocessableContent,
                 "invalid_argument", "name"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"  "},"actions":\#(tag)}"#, .unprocessableContent,
                 "invalid_argument", "trigger.keyword"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"\#(String(repeating: "k", count: 101))"},"actions":\#(tag)}"#,
                 .unprocessableContent, "invalid_argument", "trigger.keyword"),
                (#"{"name":"a","trigger":{"type":"regex","pattern":"(unclosed"},"actions":\#(tag)}"#,
                 .unprocessableContent, "invalid_regex", "trigger.pattern"),
                (#"{"name":"a","trigger":{"type":"outside_business_hours","business_hours":{"time_zone":"Mars/Base","weekdays":[1],"opens_at_minute":1,"closes_at_minute":2}},"actions":\#(tag)}"#,
                 .unprocessableContent, "unknown_time_zone", "trigger.business_hours.time_zone"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":[]}"#, .unprocessableContent,
                 "invalid_argument", "actions"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":\#(tag),"cooldown_seconds":2592001}"#,
                 .unprocessableContent, "invalid_argument", "cooldown_seconds"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":[{"type":"emit_webhook_event","name":"Not Valid"}]}"#,
                 .unprocessableContent, "invalid_event_type", "actions[0].name"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":[{"type":"reply_with_template","template_id":"\#(custom.id)"}]}"#,
                 .unprocessableContent, "unsupported_template_variable", "actions[0].template_id"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":[{"type":"assign_member","member_id":"\#(custom.id)"}]}"#,
                 .notFound, "not_found", "actions[0].member_id"),
                (#"{"name":"a","trigger":{"type":"keyword","keyword":"a"},"actions":\#(tag),"enabled":null}"#,
                 .badRequest, "malformed_request", nil),
                (#"{"name":"a","trigger":{"type":"shout"},"actions":\#(tag)}"#, .badRequest, "malformed_request", nil),
            ]
            for example in cases {
                let response = try await client.call(.post, "/v1/automations", key: key, json: example.body)
                #expect(response.status == example.status, "\(example.body): \(String(buffer: response.body))")
                #expect(response.problemCode == example.code, "\(example.body)")
                if let field = example.field {
                    #expect(try response.object["field"] as? String == field, "\(example.body)")
                }
            }
            let created = try await client.call(
                .post, "/v1/automations", key: key,
                json: #"{"name":"a","trigger":{"type":"first_message_from_new_contact"},"actions":\#(tag),"enabled":false}"#)
            #expect(created.status == .created)
            #expect(try created.object["enabled"] as? Bool == false)
            #expect((try created.object["trigger"] as? [String: Any])?["type"] as? String == "first_message_from_new_contact")
            let id = try #require(try created.object["id"] as? String)
            let both = try await client.call(
                .patch, "/v1/automations/\(id)", key: key,
                json: #"{"instance_id":"\#(id)","organization_wide":true}"#)
            #expect(both.status == .unprocessableContent)
            #expect(try both.object["field"] as? String == "organization_wide")
            let unknownInstance = try await client.call(
                .patch, "/v1/automations/\(id)", key: key, json: #"{"instance_id":"\#(id)"}"#)
            #expect(unknownInstance.status == .notFound)
            #expect(try unknownInstance.object["field"] as? String == "instance_id")
        }
    }

    /// Another organization's admin gets 404 on every automation route with an id and changes nothing; a viewer
    /// reads but cannot create or switch.
    @Test func otherOrganizationsAndViewersAreRefused() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let body = #"{"name":"Mine","trigger":{"type":"keyword","keyword":"hi"},"actions":[{"type":"tag_contact","tag":"greeted"}]}"#
            let id = try #require(try await client.call(.post, "/v1/automations", key: key, json: body).object["id"] as? String)
            let stranger = harness.globex.adminKey
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/automations/\(id)", nil), (.patch, "/v1/automations/\(id)", #"{"name":"theirs"}"#),
                (.post, "/v1/automations/\(id)/disable", nil), (.post, "/v1/automations/\(id)/enable", nil),
                (.delete, "/v1/automations/\(id)", nil),
            ]
            for (method, path, json) in routes {
                let response = try await client.call(method, path, key: stranger, json: json)
                #expect(response.status == .notFound, "\(method) \(path): \(response.status)")
                #expect(response.problemCode == "not_found")
            }
            let theirList = try await client.call(.get, "/v1/automations", key: stranger)
            #expect((try theirList.object["items"] as? [Any])?.isEmpty == true)
            let mine = try await client.call(.get, "/v1/automations/\(id)", key: key)
            #expect(try mine.object["name"] as? String == "Mine")
            #expect(try mine.object["enabled"] as? Bool == true)

            let viewer = try await IsolationFixtures.viewerSession(harness, client)
            let viewerRead = try await client.call(.get, "/v1/automations/\(id)", key: viewer)
            #expect(viewerRead.status == .ok)
            let viewerCreate = try await client.call(.post, "/v1/automations", key: viewer, json: body)
            #expect(viewerCreate.status == .forbidden)
            #expect(viewerCreate.problemCode == "permission_denied")
            let viewerDisable = try await client.call(.post, "/v1/automations/\(id)/disable", key: viewer)
            #expect(viewerDisable.status == .forbidden)
        }
    }

    /// A keyword automation created over the API answers an inbound message from a simulated phone.
    @Test func aKeywordAutomationRepliesToAnInboundMessage() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let template = try await harness.gateway.templates.create(name: "hours", body: "We open at 9", by: admin)
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let instance = try await client.linkedInstance("desk", key: key, phone: "+4915100000001")
            let created = try await client.call(
                .post, "/v1/automations", key: key,
                json: #"{"name":"Hours","instance_id":"\#(instance)","trigger":{"type":"keyword","keyword":"hours"},"actions":[{"type":"reply_with_template","template_id":"\#(template.id)"}]}"#)
            #expect(created.status == .created)
            let customer = try PhoneNumber("+4915130000001")
            let phone = harness.whatsapp.addPhone(customer, name: "Dana")
            _ = try phone.send(text: "What are your HOURS?", to: try PhoneNumber("+4915100000001"))
            try await client.waitFor("the automatic reply") {
                harness.whatsapp.deliveries(to: customer).map(\.content) == [.text("We open at 9")]
            }
        }
    }
}
