import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct TemplatesAPITests {
    @Test func createReadChangePreviewAndDeleteATemplate() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/templates", key: key,
                json: #"{"name":"shipped","body":"Hi {{name}}, order {{ order_id }} shipped. {{name}}!","language":"en"}"#)
            #expect(created.status == .created)
            let template = try created.object
            let id = try #require(template["id"] as? String)
            #expect(template["name"] as? String == "shipped")
            #expect(template["language"] as? String == "en")
            #expect(template["variables"] as? [String] == ["name", "order_id"])
            #expect(template["version"] is Int)

            let duplicate = try await client.call(
                .post, "/v1/templates", key: key, json: #"{"name":"shipped","body":"again"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")

            let read = try await client.call(.get, "/v1/templates/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["body"] as? String == "Hi {{name}}, order {{ order_id }} shipped. {{name}}!")

            let preview = try await client.call(
                .post, "/v1/templates/\(id)/preview", key: key,
                json: #"{"variables":{"name":"Ada","order_id":"A-17"}}"#)
            #expect(preview.status == .ok)
            #expect(try preview.object["text"] as? String == "Hi Ada, order A-17 shipped. Ada!")

            let changed = try await client.call(
                .patch, "/v1/templates/\(id)", key: key, json: #"{"body":"Bye {{name}}","language":""}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["name"] as? String == "shipped")
            #expect(try changed.object["variables"] as? [String] == ["name"])
            #expect(try changed.object["language"] == nil)

            _ = try await client.call(.post, "/v1/templates", key: key, json: #"{"name":"welcome","body":"Welcome"}"#)
            let list = try await client.call(.get, "/v1/templates?limit=1", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["name"] as? String } == ["welcome"])
            let cursor = try #require(try list.object["next_cursor"] as? String)
            let next = try await client.call(.get, "/v1/templates?limit=1&cursor=\(cursor)", key: key)
            #expect((try next.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])

            let deleted = try await client.call(.delete, "/v1/templates/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/templates/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    @Test func templateInputAndPreviewVariablesAreValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let emptyBody = try await client.call(.post, "/v1/templates", key: key, json: #"{"name":"x","body":"  "}"#)
            #expect(emptyBody.status == .unprocessableContent)
            #expect(emptyBody.problemCode == "invalid_argument")
            #expect(try emptyBody.object["field"] as? String == "body")
            let noBody = try await client.call(.post, "/v1/templates", key: key, json: #"{"name":"x"}"#)
            #expect(noBody.status == .badRequest)
            #expect(noBody.problemCode == "malformed_request")

            let id = try #require(
                try await client.call(.post, "/v1/templates", key: key, json: #"{"name":"t","body":"Hi {{name}}"}"#)
                    .object["id"] as? String)
            let badName = try await client.call(
                .patch, "/v1/templates/\(id)", key: key, json: #"{"name":"two\nlines"}"#)
            #expect(badName.problemCode == "invalid_argument")
            #expect(try badName.object["field"] as? String == "name")

            let missing = try await client.call(.post, "/v1/templates/\(id)/preview", key: key, json: #"{}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.problemCode == "template_variable_missing")
            #expect(try missing.object["field"] as? String == "variables")
            let unknown = try await client.call(
                .post, "/v1/templates/\(id)/preview", key: key, json: #"{"variables":{"name":"Ada","typo":"x"}}"#)
            #expect(unknown.problemCode == "template_variable_unknown")
        }
    }

    /// Another organization's key gets 404 on every template route and changes nothing.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(.post, "/v1/templates", key: owner, json: #"{"name":"t","body":"Hi {{name}}"}"#)
                    .object["id"] as? String)
            let before = try await client.call(.get, "/v1/templates/\(id)", key: owner)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/templates/\(id)", nil),
                (.patch, "/v1/templates/\(id)", #"{"name":"taken"}"#),
                (.delete, "/v1/templates/\(id)", nil),
                (.post, "/v1/templates/\(id)/preview", #"{"variables":{"name":"x"}}"#),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/templates", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let after = try await client.call(.get, "/v1/templates/\(id)", key: owner)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }

    /// Templates are managed by managers and admins; agents and viewers read and preview them.
    @Test func agentsAndViewersCannotChangeTemplates() async throws {
        let (harness, server) = try await APIHarness.make()
        let agent = try await harness.key(in: harness.acme, role: .agent)
        let manager = try await harness.key(in: harness.acme, role: .manager)
        try await Application(router: server).test(.live) { client in
            let viewer = try await client.sessionToken(of: .viewer, in: harness.acme, harness)
            let created = try await client.call(
                .post, "/v1/templates", key: manager, json: #"{"name":"t","body":"Hi {{name}}"}"#)
            #expect(created.status == .created)
            let id = try #require(try created.object["id"] as? String)
            for reader in [agent, viewer] {
                #expect(try await client.call(.get, "/v1/templates/\(id)", key: reader).status == .ok)
                let preview = try await client.call(
                    .post, "/v1/templates/\(id)/preview", key: reader, json: #"{"variables":{"name":"Ada"}}"#)
                #expect(preview.status == .ok)
                let writes: [(HTTPRequest.Method, String, String?)] = [
                    (.post, "/v1/templates", #"{"name":"u","body":"x"}"#),
                    (.patch, "/v1/templates/\(id)", #"{"body":"changed"}"#),
                    (.delete, "/v1/templates/\(id)", nil),
                ]
                for (method, path, body) in writes {
                    let response = try await client.call(method, path, key: reader, json: body)
                    #expect(response.status == .forbidden, "\(method) \(path)")
                    #expect(response.problemCode == "permission_denied", "\(method) \(path)")
                }
            }
        }
    }
}

