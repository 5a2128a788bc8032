import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WACore
import WACoreTesting
import WAHTTP
import Yams

@testable import WAOpenAPI

@Suite struct WebhooksAPITests {
    @Test func createReadChangeAndDeleteAnEndpointShowingTheSecretOnce() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/webhooks", key: key,
                json: #"{"url":"https://hooks.example.com/wa","label":"CRM","event_filters":["message.*"]}"#)
            #expect(created.status == .created)
            let secret = try #require(try created.object["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            let endpoint = try #require(try created.object["endpoint"] as? [String: Any])
            let id = try #require(endpoint["id"] as? String)
            #expect(endpoint["url"] as? String == "https://hooks.example.com/wa")
            #expect(endpoint["label"] as? String == "CRM")
            #expect(endpoint["event_filters"] as? [String] == ["message.*"])
            #expect(endpoint["signature_mode"] as? String == "standard_webhooks")
            #expect(endpoint["enabled"] as? Bool == true)

            let read = try await client.call(.get, "/v1/webhooks/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["id"] as? String == id)
            let list = try await client.call(.get, "/v1/webhooks", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == [id])
            let base64 = String(secret.dropFirst("whsec_".count))
            for response in [read, list] {
                #expect(!String(buffer: response.body).contains(base64), "the secret is shown once")
                #expect(!String(buffer: response.body).contains("secret"))
            }

            let changed = try await client.call(
                .patch, "/v1/webhooks/\(id)", key: key,
                json: #"{"label":"","enabled":false,"signature_mode":"standard_webhooks_and_hub"}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["label"] == nil)
            #expect(try changed.object["enabled"] as? Bool == false)
            #expect(try changed.object["disabled_reason"] as? String == "disabled by user")
            #expect(try changed.object["signature_mode"] as? String == "standard_webhooks_and_hub")
            let disabled = try await client.call(.get, "/v1/webhooks?enabled=false", key: key)
            #expect((try disabled.object["items"] as? [Any])?.count == 1)
            let enabled = try await client.call(.get, "/v1/webhooks?enabled=true", key: key)
            #expect((try enabled.object["items"] as? [Any])?.isEmpty == true)

            let rotated = try await client.call(.post, "/v1/webhooks/\(id)/rotate-secret", key: key)
            #expect(rotated.status == .ok)
            let newSecret = try #require(try rotated.object["secret"] as? String)
            #expect(newSecret.hasPrefix("whsec_") && newSecret != secret)
            #expect(try rotated.object["previous_secret_retires_at"] is String)
            #expect((try rotated.object["endpoint"] as? [String: Any])?["id"] as? String == id)
            let afterRotation = try await client.call(.get, "/v1/webhooks/\(id)", key: key)
            #expect(!String(buffer: afterRotation.body).contains(String(newSecret.dropFirst("whsec_".count))))

            let deleted = try await client.call(.delete, "/v1/webhooks/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/webhooks/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    /// Private and loopback targets are refused with WACore's SSRF codes; so are plain http and bad filters.
    @Test func urlsAndFiltersAreValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let refused: [(String, String)] = [
                (#"{"url":"https://127.0.0.1/hook"}"#, "webhook_target_forbidden"),
                (#"{"url":"https://10.1.2.3/hook"}"#, "webhook_target_forbidden"),
                (#"{"url":"https://169.254.169.254/latest/meta-data"}"#, "webhook_target_forbidden"),
                (#"{"url":"https://localhost/hook"}"#, "webhook_target_forbidden"),
                (#"{"url":"http://hooks.example.com/"}"#, "invalid_webhook_url"),
                (#"{"url":"https://hooks.example.com/","event_filters":["Not A Filter"]}"#, "invalid_event_filter"),
            ]
            for (body, code) in refused {
                let response = try await client.call(.post, "/v1/webhooks", key: key, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.problemCode == code, "\(body)")
            }
            let created = try await client.call(.post, "/v1/webhooks", key: key, json: #"{"url":"https://a.example.com/"}"#)
            let id = try #require((try created.object["endpoint"] as? [String: Any])?["id"] as? String)
            let toPrivate = try await client.call(
                .patch, "/v1/webhooks/\(id)", key: key, json: #"{"url":"https://192.168.1.10/"}"#)
            #expect(toPrivate.problemCode == "webhook_target_forbidden")
            #expect(try toPrivate.object["field"] as? String == "url")
            let badID = try await client.call(.get, "/v1/webhooks/not-a-uuid", key: key)
            #expect(badID.status == .unprocessableContent || badID.status == .badRequest)
            let list = try await client.call(.get, "/v1/webhooks", key: key)
            #expect((try list.object["items"] as? [Any])?.count == 1, "nothing refused was stored")
        }
    }

    /// A test event reaches a receiver over HTTP, signed with the secret shown at creation; a failed delivery is
    /// listed with its attempt and replayed through its endpoint.
    @Test func aTestEventArrivesAndAFailedDeliveryIsReplayed() async throws {
        let delivering = try await DeliveringGateway.make()
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        // The first copy of each event is refused for good (400), later copies are taken.
        receiver.respond { _, earlierCopies in earlierCopies == 0 ? .init(status: 400) : .ok }
        let runner = Task { try await delivering.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        let key = delivering.adminKey
        do {
            try await Application(router: delivering.server).test(.live) { client in
                let created = try await client.call(
                    .post, "/v1/webhooks", key: key,
                    json: #"{"url":"http://127.0.0.1:\#(port)/hooks","event_filters":["campaign.*"]}"#)
                #expect(created.status == .created)
                let secret = try WebhookSecret(parsing: try #require(try created.object["secret"] as? String))
                receiver.verify(with: secret)
                let id = try #require((try created.object["endpoint"] as? [String: Any])?["id"] as? String)

                let test = try await client.call(.post, "/v1/webhooks/\(id)/test", key: key)
                #expect(test.status == .accepted)
                let delivery = try #require(try test.object["id"] as? String)
                #expect(try test.object["event_type"] as? String == "webhook.test")
                #expect(try test.object["webhook_id"] as? String == id)
                #expect(try test.object["status"] as? String == "pending")

                var listed: [String: Any] = [:]
                try await client.waitFor("the refused delivery") {
                    let page = try await client.call(.get, "/v1/webhooks/\(id)/deliveries?status=failed", key: key)
                    listed = (try page.object["items"] as? [[String: Any]])?.first ?? [:]
                    return !listed.isEmpty
                }
                #expect(listed["id"] as? String == delivery)
                let attempts = try #require(listed["attempts"] as? [[String: Any]])
                #expect(attempts.count == 1 && attempts.first?["status_code"] as? Int == 400)
                #expect(receiver.received.count == 1, "signed with the secret shown at creation")
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(receiver.received[0].body)) as? [String: Any])
                #expect(body["type"] as? String == "webhook.test")
                #expect((body["data"] as? [String: Any])?["endpoint_id"] as? String == id)
                #expect(receiver.received[0].webhookID == listed["event_id"] as? String)

                // Through another endpoint the failed delivery does not exist, and stays failed.
                let other = try await client.call(
                    .post, "/v1/webhooks", key: key,
                    json: #"{"url":"http://127.0.0.1:\#(port)/other","event_filters":["campaign.*"]}"#)
                let otherID = try #require((try other.object["endpoint"] as? [String: Any])?["id"] as? String)
                let elsewhere = try await client.call(
                    .post, "/v1/webhooks/\(otherID)/deliveries/\(delivery)/replay", key: key)
                #expect(elsewhere.status == .notFound)
                #expect(elsewhere.problemCode == "not_found")
                let stillFailed = try await client.call(.get, "/v1/webhooks/\(id)/deliveries?status=failed", key: key)
                #expect((try stillFailed.object["items"] as? [Any])?.count == 1)
                let empty = try await client.call(.get, "/v1/webhooks/\(otherID)/deliveries", key: key)
                #expect(empty.status == .ok)
                #expect((try empty.object["items"] as? [Any])?.isEmpty == true)

                let replayed = try await client.call(
                    .post, "/v1/webhooks/\(id)/deliveries/\(delivery)/replay", key: key)
                #expect(replayed.status == .accepted)
                #expect(try replayed.object["status"] as? String == "pending")
                try await client.waitFor("the replayed delivery") {
                    let page = try await client.call(.get, "/v1/webhooks/\(id)/deliveries", key: key)
                    return (try page.object["items"] as? [[String: Any]])?.first?["status"] as? String == "succeeded"
                }
                #expect(receiver.received.count == 2)
                #expect(Set(receiver.received.map(\.webhookID)).count == 1, "the same webhook-id")
                #expect(receiver.invalidSignatures == 0)

                let again = try await client.call(.post, "/v1/webhooks/\(id)/deliveries/\(delivery)/replay", key: key)
                #expect(again.status == .conflict)
                #expect(again.problemCode == "delivery_not_replayable")
            }
        } catch {
            await delivering.sender.shutdown()
            try? await receiver.stop()
            throw error
        }
        await delivering.sender.shutdown()
        try await receiver.stop()
    }

    /// The document's `webhooks` describe every built-in event type and the automations' family, each with the
    /// three Standard Webhooks headers and a body that is the envelope around its `data`.
    @Test func theDocumentDescribesEveryEventTheGatewaySends() throws {
        let text = String(decoding: OpenAPIDocument.yaml, as: UTF8.self)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let webhooks = try #require(document["webhooks"] as? [String: Any])
        let expected = Set(WebhookEventType.builtIn.map(\.rawValue)).union(["automation.{name}"])
        #expect(Set(webhooks.keys) == expected)
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        for (type, item) in webhooks {
            let post = try #require((item as? [String: Any])?["post"] as? [String: Any], "\(type)")
            let headers = (post["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(headers == ["webhook-id", "webhook-timestamp", "webhook-signature"], "\(type)")
            let content = (post["requestBody"] as? [String: Any])?["content"] as? [String: Any]
            let reference = ((content?["application/json"] as? [String: Any])?["schema"] as? [String: Any])?["$ref"]
            let name = try #require((reference as? String)?.split(separator: "/").last.map(String.init), "\(type)")
            let parts = try #require((schemas[name] as? [String: Any])?["allOf"] as? [[String: Any]], "\(name)")
            #expect(parts.first?["$ref"] as? String == "#/components/schemas/WebhookEventEnvelope", "\(name)")
            let types = ((parts.last?["properties"] as? [String: Any])?["type"] as? [String: Any])?["enum"] as? [String]
            #expect(type.hasPrefix("automation.") || types?.contains(type) == true, "\(name) lists \(type)")
        }
    }

    /// Another organization's key gets 404 on every endpoint route and changes nothing.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/webhooks", key: owner, json: #"{"url":"https://hooks.example.com/"}"#)
            let id = try #require((try created.object["endpoint"] as? [String: Any])?["id"] as? String)
            let delivery = try #require(
                try await client.call(.post, "/v1/webhooks/\(id)/test", key: owner).object["id"] as? String)
            let before = try await client.call(.get, "/v1/webhooks/\(id)", key: owner)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/webhooks/\(id)", nil),
                (.patch, "/v1/webhooks/\(id)", #"{"label":"mine"}"#),
                (.delete, "/v1/webhooks/\(id)", nil),
                (.post, "/v1/webhooks/\(id)/test", nil),
                (.post, "/v1/webhooks/\(id)/rotate-secret", nil),
                (.get, "/v1/webhooks/\(id)/deliveries", nil),
                (.post, "/v1/webhooks/\(id)/deliveries/\(delivery)/replay", nil),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/webhooks", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let after = try await client.call(.get, "/v1/webhooks/\(id)", key: owner)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }

    /// Managers manage webhooks; agents may not even read them.
    @Test func agentsCannotReadOrManageWebhooks() async throws {
        let (harness, server) = try await APIHarness.make()
        let manager = try await harness.key(in: harness.acme, role: .manager)
        let agent = try await harness.key(in: harness.acme, role: .agent)
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/webhooks", key: manager, json: #"{"url":"https://hooks.example.com/"}"#)
            #expect(created.status == .created)
            let id = try #require((try created.object["endpoint"] as? [String: Any])?["id"] as? String)
            let refused: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/webhooks", nil),
                (.post, "/v1/webhooks", #"{"url":"https://agent.example.com/"}"#),
                (.get, "/v1/webhooks/\(id)", nil),
                (.patch, "/v1/webhooks/\(id)", #"{"label":"x"}"#),
                (.post, "/v1/webhooks/\(id)/rotate-secret", nil),
            ]
            for (method, path, body) in refused {
                let response = try await client.call(method, path, key: agent, json: body)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.problemCode == "permission_denied", "\(method) \(path)")
            }
        }
    }
}

/// A gateway like ``APIHarness``'s whose webhooks go out over HTTP (`HTTPWebhookSender`) and may target a receiver
/// on 127.0.0.1, with one organization and its admin's key.
private struct DeliveringGateway {
    let gateway: Gateway
    let server: GatewayHTTPServer
    let sender: HTTPWebhookSender
    let adminKey: String

    static func make() async throws -> DeliveringGateway {
        let random = SeededRandomSource(seed: 9)
        let environment = ServiceEnvironment.inMemory(
            clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
            logger: Logger(label: "test"))
        let sender = HTTPWebhookSender()
        let gateway = Gateway(
            environment: environment, transport: SimulatedWhatsApp(clock: environment.clock, random: random),
            webhookSender: sender,
            configuration: .init(
                webhookURLPolicy: WebhookURLPolicy(allowInsecureHTTP: true, allowedNetworks: [IPNetwork("127.0.0.1")!])))
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Acme", slug: "acme", plan: .pro, adminEmail: "admin@acme.example", adminName: "Admin",
            adminPassword: "correct horse battery staple")
        let key = try await gateway.apiKeys.issue(
            name: "admin", scopes: Role.admin.permissions, by: .authenticatedExternally(admin))
        return DeliveringGateway(
            gateway: gateway, server: GatewayHTTPServer(gateway: gateway, logger: Logger(label: "test")),
            sender: sender, adminKey: key.secret.reveal())
    }
}
