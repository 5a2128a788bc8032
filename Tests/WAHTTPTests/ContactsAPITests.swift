import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WACore
import WAHTTP

@Suite struct ContactsAPITests {
    @Test func createReadChangeTagOptOutAndDeleteAContact() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/contacts", key: key,
                json: #"{"phone":"+4915112345678","name":"  Ada Lovelace ","tags":["VIP","vip","berlin"]}"#)
            #expect(created.status == .created)
            let contact = try created.object
            let id = try #require(contact["id"] as? String)
            #expect(contact["phone"] as? String == "+4915112345678")
            #expect(contact["jid"] as? String == "4915112345678@c.us")
            #expect(contact["name"] as? String == "Ada Lovelace")
            #expect(contact["tags"] as? [String] == ["berlin", "vip"])
            #expect(contact["opted_out"] as? Bool == false)
            #expect(contact["opt_out_source"] == nil)

            let duplicate = try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915112345678"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")

            let read = try await client.call(.get, "/v1/contacts/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["name"] as? String == "Ada Lovelace")

            let changed = try await client.call(
                .patch, "/v1/contacts/\(id)", key: key, json: #"{"name":"Ada","tags":["london"]}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["name"] as? String == "Ada")
            #expect(try changed.object["tags"] as? [String] == ["london"])
            let unnamed = try await client.call(.patch, "/v1/contacts/\(id)", key: key, json: #"{"name":""}"#)
            #expect(try unnamed.object["name"] == nil)
            #expect(try unnamed.object["tags"] as? [String] == ["london"])

            let tagged = try await client.call(
                .post, "/v1/contacts/\(id)/tags", key: key, json: #"{"add":["Paris","rome"],"remove":["london"]}"#)
            #expect(tagged.status == .ok)
            #expect(try tagged.object["tags"] as? [String] == ["paris", "rome"])

            let optedOut = try await client.call(
                .put, "/v1/contacts/\(id)/opt-out", key: key, json: #"{"opted_out":true}"#)
            #expect(optedOut.status == .ok)
            #expect(try optedOut.object["opted_out"] as? Bool == true)
            #expect(try optedOut.object["opt_out_source"] as? String == "manual")
            #expect(try optedOut.object["opted_out_at"] is String)

            _ = try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915199990000","name":"Bea"}"#)
            let optedOutOnly = try await client.call(.get, "/v1/contacts?opted_out=true", key: key)
            let outItems = try #require(try optedOutOnly.object["items"] as? [[String: Any]])
            #expect(outItems.compactMap { $0["id"] as? String } == [id])
            let byTag = try await client.call(.get, "/v1/contacts?tag=ROME", key: key)
            #expect((try byTag.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let bySearch = try await client.call(.get, "/v1/contacts?search=bea", key: key)
            #expect((try bySearch.object["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Bea"])
            let firstPage = try await client.call(.get, "/v1/contacts?limit=1&order=asc", key: key)
            #expect((try firstPage.object["items"] as? [[String: Any]])?.first?["id"] as? String == id)
            let cursor = try #require(try firstPage.object["next_cursor"] as? String)
            let secondPage = try await client.call(.get, "/v1/contacts?limit=1&order=asc&cursor=\(cursor)", key: key)
            #expect((try secondPage.object["items"] as? [[String: Any]])?.first?["name"] as? String == "Bea")
            #expect(try secondPage.object["next_cursor"] == nil)

            let optedIn = try await client.call(
                .put, "/v1/contacts/\(id)/opt-out", key: key, json: #"{"opted_out":false}"#)
            #expect(try optedIn.object["opted_out"] as? Bool == false)
            #expect(try optedIn.object["opt_out_source"] == nil)

            let deleted = try await client.call(.delete, "/v1/contacts/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/contacts/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    @Test func contactInputIsValidated() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let nothing = try await client.call(.post, "/v1/contacts", key: key, json: #"{"name":"Nobody"}"#)
            #expect(nothing.status == .unprocessableContent)
            #expect(nothing.problemCode == "invalid_argument")
            #expect(try nothing.object["field"] as? String == "phone")

            let badPhone = try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"12ab"}"#)
            #expect(badPhone.status == .unprocessableContent)
            #expect(badPhone.problemCode == "invalid_phone_number")
            #expect(try badPhone.object["field"] as? String == "phone")

            let badJID = try await client.call(.post, "/v1/contacts", key: key, json: #"{"jid":"12345@g.us"}"#)
            #expect(badJID.problemCode == "invalid_jid")
            #expect(try badJID.object["field"] as? String == "jid")

            let id = try #require(
                try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915112345678"}"#).object["id"]
                    as? String)
            let badTag = try await client.call(.post, "/v1/contacts/\(id)/tags", key: key, json: #"{"add":["a/b"]}"#)
            #expect(badTag.status == .unprocessableContent)
            #expect(try badTag.object["field"] as? String == "tags")
            let noTags = try await client.call(.post, "/v1/contacts/\(id)/tags", key: key, json: #"{}"#)
            #expect(noTags.problemCode == "invalid_argument")
            let badOptOut = try await client.call(
                .put, "/v1/contacts/\(id)/opt-out", key: key, json: #"{"opted_out":"maybe"}"#)
            #expect(badOptOut.status == .badRequest)
            #expect(badOptOut.problemCode == "malformed_request")
            let badID = try await client.call(.get, "/v1/contacts/not-an-id", key: key)
            #expect(badID.problemCode == "invalid_identifier")
        }
    }

    @Test func aCSVImportReportsAMalformedRowAndWritesNothingUnlessAsked() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let csv = """
            phone,name,tags,opted_out
            +4915112345678,Ada,vip;berlin,no
            +4915199990000,Bea,,yes
            not-a-number,Cy,,no
            +4915112345678,,rome,

            """
        try await Application(router: server).test(.live) { client in
            _ = try await client.call(.post, "/v1/contacts", key: key, json: #"{"phone":"+4915199990000","name":"B."}"#)

            let refused = try await client.importCSV(csv, key: key)
            #expect(refused.status == .ok)
            let report = try refused.object
            #expect(report["committed"] as? Bool == false)
            #expect(report["created"] as? Int == 0)
            let errors = try #require(report["errors"] as? [[String: Any]])
            #expect(errors.count == 1)
            #expect(errors.first?["line"] as? Int == 4)
            #expect(errors.first?["column"] as? String == "phone")
            let unchanged = try await client.call(.get, "/v1/contacts", key: key)
            #expect((try unchanged.object["items"] as? [Any])?.count == 1)

            let imported = try await client.importCSV(csv, key: key, query: "?skip_invalid_rows=true")
            let summary = try imported.object
            #expect(summary["committed"] as? Bool == true)
            #expect(summary["created"] as? Int == 1)
            #expect(summary["updated"] as? Int == 1)
            #expect(summary["duplicates"] as? Int == 1)
            #expect((summary["errors"] as? [Any])?.count == 1)
            #expect((summary["warnings"] as? [Any])?.isEmpty == true)

            let list = try await client.call(.get, "/v1/contacts?order=asc", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["name"] as? String } == ["Bea", "Ada"])
            #expect(items.last?["tags"] as? [String] == ["berlin", "rome", "vip"])
            #expect(items.first?["opted_out"] as? Bool == true)
            #expect(items.first?["opt_out_source"] as? String == "import")

            let national = try await client.importCSV("phone\n0151 22223333\n", key: key, query: "?default_region=DE")
            #expect(try national.object["created"] as? Int == 1)

            let noPhoneColumn = try await client.importCSV("name\nAda\n", key: key)
            #expect(noPhoneColumn.status == .unprocessableContent)
            #expect(noPhoneColumn.problemCode == "invalid_argument")
            #expect(try noPhoneColumn.object["field"] as? String == "csv")
            let broken = try await client.importCSV("phone,name\n\"+4915100000000,Ada\n", key: key)
            #expect(broken.status == .unprocessableContent)
            #expect(broken.problemCode == "invalid_csv")
            let asJSON = try await client.call(.post, "/v1/contacts/import", key: key, json: #"{"phone":"+4915100000000"}"#)
            #expect(asJSON.status == .unsupportedMediaType)
        }
    }

    /// Another organization's key gets 404 on every contact route and changes nothing.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(.post, "/v1/contacts", key: owner, json: #"{"phone":"+4915112345678"}"#)
                    .object["id"] as? String)
            let before = try await client.call(.get, "/v1/contacts/\(id)", key: owner)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/contacts/\(id)", nil),
                (.patch, "/v1/contacts/\(id)", #"{"name":"Mallory"}"#),
                (.delete, "/v1/contacts/\(id)", nil),
                (.post, "/v1/contacts/\(id)/tags", #"{"add":["stolen"]}"#),
                (.put, "/v1/contacts/\(id)/opt-out", #"{"opted_out":true}"#),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/contacts", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let after = try await client.call(.get, "/v1/contacts/\(id)", key: owner)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }

    /// A viewer reads contacts but changes none; an agent manages contacts but may not import them.
    @Test func viewersReadAndAgentsCannotImport() async throws {
        let (harness, server) = try await APIHarness.make()
        let agent = try await harness.key(in: harness.acme, role: .agent)
        try await Application(router: server).test(.live) { client in
            let viewer = try await client.sessionToken(of: .viewer, in: harness.acme, harness)
            let id = try #require(
                try await client.call(.post, "/v1/contacts", key: agent, json: #"{"phone":"+4915112345678"}"#)
                    .object["id"] as? String)
            #expect(try await client.call(.get, "/v1/contacts/\(id)", key: viewer).status == .ok)
            #expect(try await client.call(.get, "/v1/contacts", key: viewer).status == .ok)
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/contacts", #"{"phone":"+4915199990000"}"#),
                (.patch, "/v1/contacts/\(id)", #"{"name":"Vic"}"#),
                (.delete, "/v1/contacts/\(id)", nil),
                (.post, "/v1/contacts/\(id)/tags", #"{"add":["x"]}"#),
                (.put, "/v1/contacts/\(id)/opt-out", #"{"opted_out":true}"#),
            ]
            for (method, path, body) in writes {
                let response = try await client.call(method, path, key: viewer, json: body)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.problemCode == "permission_denied", "\(method) \(path)")
            }
            let viewerImport = try await client.importCSV("phone\n+4915199990000\n", key: viewer)
            #expect(viewerImport.status == .forbidden)
            let agentImport = try await client.importCSV("phone\n+4915199990000\n", key: agent)
            #expect(agentImport.status == .forbidden)
            #expect(agentImport.problemCode == "permission_denied")
        }
    }
}

extension TestClientProtocol {
    /// `POST /v1/contacts/import` with `csv` as a `text/csv` body.
    fileprivate func importCSV(_ csv: String, key: String, query: String = "") async throws -> TestResponse {
        try await execute(
            uri: "/v1/contacts/import\(query)", method: .post,
            headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

}
