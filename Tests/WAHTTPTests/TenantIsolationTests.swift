import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WACoreTesting

@testable import WAHTTP

/// Tenant isolation over real HTTP, over every route the router serves that takes an identifier: another
/// organization's admin, holding every permission there is, gets `404` for each of acme's resources, and acme's
/// resources read the same before and after.
///
/// The routes come from the router itself, so a new route with a path parameter is covered the day it is added;
/// the test fails until ``IsolationFixtures`` knows an acme value for each new parameter and, for a route that
/// takes a body, a body that would be valid for acme (so that `404` is the only reason to refuse it).
@Suite struct TenantIsolationTests {
    @Test func anotherOrganizationsAdminFindsNoneOfAcmesResources() async throws {
        let (harness, server) = try await APIHarness.make()
        let routes = try server.makeRouter().routes.map { (method: $0.method, path: $0.path.description) }
        let withIdentifiers = routes.filter { $0.path.contains(":") || $0.path.contains("{") }
        #expect(withIdentifiers.count >= 10)
        try await Application(router: server).test(.live) { client in
            let fixtures = try await IsolationFixtures.make(harness, client)
            let before = try await fixtures.snapshot(client, readable: withIdentifiers)
            var unknown: Set<String> = []
            for route in withIdentifiers {
                guard let path = fixtures.fill(route.path, unknown: &unknown) else { continue }
                let body = IsolationFixtures.bodies["\(route.method.rawValue) \(OpenAPIDocumentTests.shape(route.path))"]
                let response = try await client.call(route.method, path, key: harness.globex.adminKey, json: body)
                #expect(
                    response.status == .notFound,
                    "\(route.method) \(path): \(response.status) \(String(buffer: response.body).prefix(300))")
            }
            #expect(unknown.isEmpty, "IsolationFixtures has no acme value for the path parameters \(unknown.sorted())")
            let after = try await fixtures.snapshot(client, readable: withIdentifiers)
            #expect(before.count >= 3)
            for (path, response) in before {
                #expect(after[path] == response, "\(path) changed")
            }
        }
    }

    /// The role matrix over HTTP: a viewer (signed in: viewers hold no API keys) reads but cannot send or create;
    /// an agent works only on the instances assigned to them; a key's scopes bound it below its member's role.
    @Test func rolesAndScopesHoldOverHTTP() async throws {
        let (harness, server) = try await APIHarness.make()
        let admin = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let assigned = try await client.linkedInstance("assigned", key: admin, phone: "+4915100000001")
            let other = try await client.linkedInstance("other", key: admin, phone: "+4915100000002")

            let viewer = try await IsolationFixtures.viewerSession(harness, client)
            #expect(try await client.call(.get, "/v1/instances", key: viewer).status == .ok)
            let viewerSend = try await client.call(
                .post, "/v1/messages", key: viewer,
                json: #"{"instance_id":"\#(assigned)","to":"+4915112345678","content":{"type":"text","text":"Hi"}}"#)
            #expect(viewerSend.status == .forbidden)
            #expect(viewerSend.problemCode == "permission_denied")
            let viewerCreate = try await client.call(.post, "/v1/instances", key: viewer, json: #"{"name":"mine"}"#)
            #expect(viewerCreate.status == .forbidden)

            let agent = try await harness.key(in: harness.acme, role: .agent, assigned: [try InstanceID(parsing: assigned)])
            let send = { (instance: String) in
                try await client.call(
                    .post, "/v1/messages", key: agent,
                    json: #"{"instance_id":"\#(instance)","to":"+4915112345678","content":{"type":"text","text":"Hi"}}"#)
            }
            let onAssigned = try await send(assigned)
            #expect(onAssigned.status == .accepted)
            let onOther = try await send(other)
            #expect(onOther.status == .forbidden || onOther.status == .notFound, "\(onOther.status)")
            let readOther = try await client.call(.get, "/v1/instances/\(other)", key: agent)
            #expect(readOther.status == .forbidden || readOther.status == .notFound, "\(readOther.status)")

            let readOnly = try await harness.key(
                in: harness.acme, role: .manager, scopes: [.instancesRead, .messagesRead])
            #expect(try await client.call(.get, "/v1/instances/\(assigned)", key: readOnly).status == .ok)
            let scopedSend = try await client.call(
                .post, "/v1/messages", key: readOnly,
                json: #"{"instance_id":"\#(assigned)","to":"+4915112345678","content":{"type":"text","text":"Hi"}}"#)
            #expect(scopedSend.status == .forbidden)
            let scopedStop = try await client.call(.post, "/v1/instances/\(assigned)/stop", key: readOnly)
            #expect(scopedStop.status == .forbidden)
        }
    }
}

/// One of each of acme's resources, created as acme's admin, and what the isolation test sends for each route.
struct IsolationFixtures {
    /// Acme's value for each path parameter name.
    var values: [String: String]
    /// Acme's admin key, which snapshots read with.
    var acmeKey: String

    /// Bodies, by `METHOD /shape`, for routes with identifiers that read one: valid for acme's resource, so that
    /// only the tenant check can refuse them.
    static let bodies: [String: String] = [
        "PATCH /v1/instances/{}": #"{"name":"renamed"}"#,
        "POST /v1/instances/{}/pairing-code": #"{"phone":"+4915100000009"}"#,
        "POST /v1/instances/{}/simulator/scan": #"{"phone":"+4915100000009"}"#,
        "PATCH /v1/webhooks/{}": #"{"label":"renamed"}"#,
        "PATCH /v1/proxies/{}": #"{"port":9090}"#,
        "PATCH /v1/members/{}": #"{"role":"viewer"}"#,
        "PUT /v1/members/{}/instances": #"{"instance_ids":[]}"#,
        // Section B: contacts, templates, chats, number checks.
        "PATCH /v1/contacts/{}": #"{"name":"renamed"}"#,
        "POST /v1/contacts/{}/tags": #"{"add":["renamed"]}"#,
        "PUT /v1/contacts/{}/opt-out": #"{"opted_out":true}"#,
        "PATCH /v1/templates/{}": #"{"name":"renamed"}"#,
        "POST /v1/templates/{}/preview": #"{"variables":{"name":"Ada"}}"#,
        "POST /v1/instances/{}/chats/{}/presence": #"{"presence":"typing"}"#,
        "POST /v1/messages/{}/reaction": #"{"emoji":"👍"}"#,
        "POST /v1/messages/{}/edit": #"{"text":"renamed"}"#,
        "POST /v1/instances/{}/numbers/check": #"{"phones":["+4915112345678"]}"#,
        "PATCH /v1/campaigns/{}": #"{"name":"renamed"}"#,
        "PATCH /v1/automations/{}": #"{"name":"renamed"}"#,
    ]

    static func make(_ harness: APIHarness, _ client: some TestClientProtocol) async throws -> IsolationFixtures {
        let key = harness.acme.adminKey
        let instance = try await client.linkedInstance("isolated", key: key)
        let sent = try await client.call(
            .post, "/v1/messages", key: key,
            json: #"{"instance_id":"\#(instance)","to":"+4915112345678","content":{"type":"text","text":"Hi"}}"#)
        let message = try #require(try sent.object["id"] as? String)
        var values = ["instance_id": instance, "message_id": message]
        try await addWebhooksProxiesAndRisk(to: &values, harness, client)
        let invited = try await client.call(
            .post, "/v1/members", key: key,
            json: #"{"email":"isolated@acme.example","display_name":"Isolated","role":"agent"}"#)
        values["member_id"] = try #require(try invited.object["id"] as? String)
        values["api_key_id"] = try #require(try await client.call(.get, "/v1/me", key: key).object["api_key_id"] as? String)
        // Section B: a contact, a template and a chat.
        let contact = try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915199990000"}"#)
        values["contact_id"] = try #require(try contact.object["id"] as? String)
        let template = try await client.call(
            .post, "/v1/templates", key: key, json: #"{"name":"isolated","body":"Hi {{name}}"}"#)
        values["template_id"] = try #require(try template.object["id"] as? String)
        let environment = harness.gateway.environment
        let org = harness.acme.organization.id
        let chat = Chat(
            id: environment.ids.make(), organizationID: org, instanceID: try InstanceID(parsing: instance),
            jid: try JID(parsing: "4915199990000@c.us"), createdAt: environment.clock.now())
        _ = try await environment.store.transaction(.organization(org)) { try await $0.chats.insert(chat) }
        values["chat_id"] = chat.id.description
        values["chat"] = chat.jid.description
        let member = harness.whatsapp.addPhone(try PhoneNumber("+4915199990001"), name: "Member")
        values["group"] = try harness.whatsapp.createGroup(
            "Isolated", owner: member.number, members: [try PhoneNumber("+4915100000001")]
        ).description
        // Section C: a campaign and an automation.
        let admin = Principal.authenticatedExternally(harness.acme.admin)
        let campaign = try await harness.gateway.campaigns.create(
            name: "isolated", instance: try InstanceID(parsing: instance),
            template: try TemplateID(parsing: try #require(values["template_id"])), audience: .tags(["vip"]), by: admin)
        values["campaign_id"] = campaign.id.description
        let automation = try await harness.gateway.automations.create(
            name: "isolated", trigger: .keyword("hi", wholeMessage: false), actions: [.tagContact("greeted")], by: admin)
        values["automation_id"] = automation.id.description
        // Section E: a media object (a PNG the gateway itself draws).
        let media = try await harness.gateway.media.upload(
            try QRCodeImage.png(for: "isolated", scale: 2), declaredMIMEType: "image/png",
            by: .authenticatedExternally(harness.acme.admin))
        values["media_id"] = media.id.description
        return IsolationFixtures(values: values, acmeKey: key)
    }

    /// A webhook endpoint with a (pending) test delivery, a proxy, and a risk alert on an instance of its own (the
    /// alert's burst leaves the `isolated` instance's risk report as it is).
    private static func addWebhooksProxiesAndRisk(
        to values: inout [String: String], _ harness: APIHarness, _ client: some TestClientProtocol
    ) async throws {
        let key = harness.acme.adminKey
        let webhook = try await client.call(
            .post, "/v1/webhooks", key: key, json: #"{"url":"https://hooks.example.com/isolated"}"#)
        let webhookID = try #require((try webhook.object["endpoint"] as? [String: Any])?["id"] as? String)
        let test = try await client.call(.post, "/v1/webhooks/\(webhookID)/test", key: key)
        values["webhook_id"] = webhookID
        values["delivery_id"] = try #require(try test.object["id"] as? String)
        let proxy = try await client.call(
            .post, "/v1/proxies", key: key, json: #"{"scheme":"http","host":"proxy.example.com","port":8080}"#)
        values["proxy_id"] = try #require(try proxy.object["id"] as? String)
        let alerted = try await client.call(.post, "/v1/instances", key: key, json: #"{"name":"alerted"}"#)
        let alertedID = try InstanceID(parsing: try #require(try alerted.object["id"] as? String))
        for i in 0..<10 {
            _ = try await harness.gateway.risk.record(
                .messageSent(recipient: "49170\(3_000_000 + i)", recipientIsContact: true, text: "Same promo!"),
                instance: alertedID, in: harness.acme.organization.id)
        }
        let alerts = try await client.call(.get, "/v1/risk-alerts?instance_id=\(alertedID)", key: key)
        values["alert_id"] = try #require((try alerts.object["items"] as? [[String: Any]])?.first?["id"] as? String)
    }

    /// A session token of a new viewer of acme.
    static func viewerSession(_ harness: APIHarness, _ client: some TestClientProtocol) async throws -> String {
        let email = "viewer-\(UUID().uuidString.prefix(8).lowercased())@acme.example"
        _ = try await harness.gateway.team.invite(
            email: email, displayName: "Viewer", role: .viewer, by: .authenticatedExternally(harness.acme.admin))
        let token = try #require(harness.notifier.last(for: email)).token.reveal()
        let accepted = try await client.call(
            .post, "/v1/auth/invitations/accept",
            json: #"{"token":"\#(token)","password":"correct horse battery staple"}"#)
        return try #require(try accepted.object["token"] as? String)
    }

    /// `path` with every `:name` or `{name}` segment replaced by acme's value; `nil` (and the name added to
    /// `unknown`) when a value is missing.
    func fill(_ path: String, unknown: inout Set<String>) -> String? {
        var filled: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard segment.hasPrefix(":") || segment.hasPrefix("{") else {
                filled.append(String(segment))
                continue
            }
            let name = segment.trimmingCharacters(in: CharacterSet(charactersIn: ":{}"))
            guard let value = values[name] else {
                unknown.insert(name)
                return nil
            }
            filled.append(value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? value)
        }
        return filled.joined(separator: "/")
    }

    /// What acme's admin reads at every `GET` route with identifiers: status and body, by path.
    func snapshot(_ client: some TestClientProtocol, readable routes: [(method: HTTPRequest.Method, path: String)])
        async throws -> [String: String]
    {
        var responses: [String: String] = [:]
        var unknown: Set<String> = []
        for route in routes where route.method == .get {
            guard let path = fill(route.path, unknown: &unknown) else { continue }
            let response = try await client.call(.get, path, key: acmeKey)
            // A problem's request id differs on every call; everything else must be the same.
            var body = String(buffer: response.body)
            if var object = try? response.object {
                object["request_id"] = nil
                body = String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
            }
            responses[path] = "\(response.status.code) \(body)"
        }
        return responses
    }
}
