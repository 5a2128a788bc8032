import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore

@testable import WAHTTP

/// `null` is never a value in a request body: the generated decoder would read it as "absent", so the server
/// refuses it instead of accepting what the document calls invalid.
@Suite struct JSONNullTests {
    @Test(arguments: [
        (#"{"a":null}"#, true),
        (#"[1,null]"#, true),
        (#"null"#, true),
        (#"{"name":"null and nothing"}"#, false),
        (#"{"name":"quote \" then null"}"#, false),
        (#"{"path":"C:\\","n":1}"#, false),
        (#"{"path":"C:\\","x":null}"#, true),
        (#"{"a":true,"b":false,"c":-1.5e3}"#, false),
    ])
    func theScannerFindsNullOutsideStrings(json: String, expected: Bool) {
        var whole = JSONNullScanner()
        #expect(whole.containsNull(json.utf8) == expected)
        // Split at every position: the answer does not depend on where the chunks end.
        let bytes = Array(json.utf8)
        for split in 0...bytes.count {
            var scanner = JSONNullScanner()
            let found = scanner.containsNull(bytes[..<split]) || scanner.containsNull(bytes[split...])
            #expect(found == expected, "split at \(split)")
        }
    }

    @Test func aBodyWithNullIsRefusedAndTheSameWithoutItIsTaken() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let withNull = try await client.call(
                .post, "/v1/instances", key: key, json: #"{"name":"nina","proxy_policy":{"mode":"none","proxy_id":null}}"#)
            #expect(withNull.status == .badRequest)
            #expect(withNull.problemCode == "malformed_request")
            let listed = try await client.call(.get, "/v1/instances", key: key)
            #expect((try listed.object["items"] as? [Any])?.isEmpty == true, "nothing was created")

            // Request objects are closed: a misspelt field is an error, not silently ignored.
            let misspelt = try await client.call(
                .post, "/v1/instances", key: key, json: #"{"name":"nina","proxy_polcy":{"mode":"none"}}"#)
            #expect(misspelt.status == .badRequest)
            #expect(misspelt.problemCode == "malformed_request")

            let without = try await client.call(
                .post, "/v1/instances", key: key, json: #"{"name":"nina","proxy_policy":{"mode":"none"}}"#)
            #expect(without.status == .created)
        }
    }
}
