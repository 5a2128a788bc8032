import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WACore
import WAHTTP

@Suite struct ProxiesAPITests {
    static let password = "s3cret-Proxy-Passw0rd"

    @Test func createReadChangeAndDeleteAProxyWithoutEverShowingThePassword() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let created = try await client.call(
                .post, "/v1/proxies", key: key,
                json: #"{"scheme":"socks5","host":"Proxy.Example.com","port":1080,"username":"wa","password":"\#(Self.password)","capacity":3}"#)
            #expect(created.status == .created)
            let proxy = try created.object
            let id = try #require(proxy["id"] as? String)
            #expect(proxy["scheme"] as? String == "socks5")
            #expect(proxy["host"] as? String == "proxy.example.com")
            #expect(proxy["port"] as? Int == 1080)
            #expect(proxy["username"] as? String == "wa")
            #expect(proxy["has_password"] as? Bool == true)
            #expect(proxy["capacity"] as? Int == 3)
            #expect(proxy["enabled"] as? Bool == true)
            #expect(proxy["password"] == nil)

            let duplicate = try await client.call(
                .post, "/v1/proxies", key: key, json: #"{"scheme":"socks5","host":"proxy.example.com","port":1080}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")

            let read = try await client.call(.get, "/v1/proxies/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["id"] as? String == id)
            let list = try await client.call(.get, "/v1/proxies", key: key)
            #expect((try list.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])

            let changed = try await client.call(
                .patch, "/v1/proxies/\(id)", key: key, json: #"{"port":1081,"enabled":false}"#)
            #expect(changed.status == .ok)
            #expect(try changed.object["port"] as? Int == 1081)
            #expect(try changed.object["enabled"] as? Bool == false)
            #expect(try changed.object["has_password"] as? Bool == true, "credentials left out stay")
            let anonymous = try await client.call(.patch, "/v1/proxies/\(id)", key: key, json: #"{"username":""}"#)
            #expect(try anonymous.object["has_password"] as? Bool == false)
            #expect(try anonymous.object["username"] == nil)

            for response in [created, read, list, changed, anonymous] {
                #expect(!String(buffer: response.body).contains(Self.password))
                #expect(!String(buffer: response.body).contains("\"password\""))
            }

            let deleted = try await client.call(.delete, "/v1/proxies/\(id)", key: key)
            #expect(deleted.status == .noContent)
            let gone = try await client.call(.get, "/v1/proxies/\(id)", key: key)
            #expect(gone.status == .notFound)
            #expect(gone.problemCode == "not_found")
        }
    }

    @Test func valuesAreValidatedAndAProxyInUseIsKept() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let invalid: [(String, String)] = [
                (#"{"scheme":"http","host":"proxy.example.com","port":0}"#, "port"),
                (#"{"scheme":"http","host":"bad host!","port":8080}"#, "host"),
                (#"{"scheme":"http","host":"proxy.example.com","port":8080,"capacity":0}"#, "capacity"),
                (#"{"scheme":"http","host":"proxy.example.com","port":8080,"password":"x"}"#, "username"),
            ]
            for (body, field) in invalid {
                let response = try await client.call(.post, "/v1/proxies", key: key, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.problemCode == "invalid_argument", "\(body)")
                #expect(try response.object["field"] as? String == field, "\(body)")
            }
            let unknownScheme = try await client.call(
                .post, "/v1/proxies", key: key, json: #"{"scheme":"ftp","host":"proxy.example.com","port":21}"#)
            #expect(unknownScheme.status == .badRequest)

            let proxy = try #require(
                try await client.call(
                    .post, "/v1/proxies", key: key, json: #"{"scheme":"http","host":"proxy.example.com","port":8080}"#
                ).object["id"] as? String)
            let instance = try await client.call(
                .post, "/v1/instances", key: key,
                json: #"{"name":"behind-proxy","proxy_policy":{"mode":"fixed","proxy_id":"\#(proxy)"}}"#)
            #expect(instance.status == .created)
            let inUse = try await client.call(.delete, "/v1/proxies/\(proxy)", key: key)
            #expect(inUse.status == .conflict)
            #expect(inUse.problemCode == "proxy_in_use")
        }
    }

    /// Proxies are the administrators': managers may read them, nobody else may change them.
    @Test func onlyAdministratorsManageProxies() async throws {
        let (harness, server) = try await APIHarness.make()
        let admin = harness.acme.adminKey
        let manager = try await harness.key(in: harness.acme, role: .manager)
        let agent = try await harness.key(in: harness.acme, role: .agent)
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(
                    .post, "/v1/proxies", key: admin,
                    json: #"{"scheme":"http","host":"proxy.example.com","port":8080,"username":"u","password":"\#(Self.password)"}"#
                ).object["id"] as? String)
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/proxies", #"{"scheme":"http","host":"other.example.com","port":8080}"#),
                (.patch, "/v1/proxies/\(id)", #"{"port":9090}"#),
                (.delete, "/v1/proxies/\(id)", nil),
            ]
            for key in [manager, agent] {
                for (method, path, body) in writes {
                    let response = try await client.call(method, path, key: key, json: body)
                    #expect(response.status == .forbidden, "\(method) \(path)")
                    #expect(response.problemCode == "permission_denied", "\(method) \(path)")
                }
            }
            for (method, path) in [(HTTPRequest.Method.get, "/v1/proxies"), (.get, "/v1/proxies/\(id)")] {
                let agentRead = try await client.call(method, path, key: agent)
                #expect(agentRead.status == .forbidden, "\(path)")
                let managerRead = try await client.call(method, path, key: manager)
                #expect(managerRead.status == .ok, "\(path)")
                #expect(!String(buffer: managerRead.body).contains(Self.password))
            }
            let unchanged = try await client.call(.get, "/v1/proxies/\(id)", key: admin)
            #expect(try unchanged.object["port"] as? Int == 8080)
        }
    }

    /// Another organization's key gets 404 on every proxy route and changes nothing.
    @Test func anotherOrganizationSeesNothing() async throws {
        let (harness, server) = try await APIHarness.make()
        let owner = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        try await Application(router: server).test(.live) { client in
            let id = try #require(
                try await client.call(
                    .post, "/v1/proxies", key: owner, json: #"{"scheme":"http","host":"proxy.example.com","port":8080}"#
                ).object["id"] as? String)
            let before = try await client.call(.get, "/v1/proxies/\(id)", key: owner)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/proxies/\(id)", nil),
                (.patch, "/v1/proxies/\(id)", #"{"port":9090}"#),
                (.delete, "/v1/proxies/\(id)", nil),
            ]
            try await client.expectRefused(attempts, key: stranger)
            let list = try await client.call(.get, "/v1/proxies", key: stranger)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            let after = try await client.call(.get, "/v1/proxies/\(id)", key: owner)
            #expect(String(buffer: after.body) == String(buffer: before.body))
        }
    }
}
