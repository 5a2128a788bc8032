import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpenAPIRuntime
import Testing
import WACore

@testable import WAHTTP

@Suite struct BodyLimitTests {
    @Test func aDeclaredLengthOverTheLimitIsRefusedUnread() async throws {
        let (harness, server) = try await APIHarness.make()
        try await Application(router: server).test(.live) { client in
            let huge = #"{"name":"x","padding":""# + String(repeating: "a", count: 2 << 20) + #""}"#
            let response = try await client.call(.post, "/v1/instances", key: harness.acme.adminKey, json: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.problemCode == "request_too_large")
            let list = try await client.call(.get, "/v1/instances", key: harness.acme.adminKey)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
        }
    }

    /// A body of unknown length is counted as it streams: the operation never sees more than the limit.
    @Test func aStreamedBodyFailsWhenItPassesTheLimit() async throws {
        let middleware = BodyLimitMiddleware(limits: BodyLimits(defaultLimit: 10, perOperation: ["upload": 25]))
        let chunks: [ArraySlice<UInt8>] = Array(repeating: ArraySlice(repeating: 1, count: 8), count: 4)
        for (operation, expectedBytes) in [("other", 8), ("upload", 24)] {
            let body = HTTPBody(AsyncStream { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }, length: .unknown)
            let received = Counter()
            await #expect(throws: WAError.self) {
                _ = try await middleware.intercept(
                    HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/"), body: body,
                    metadata: .init(), operationID: operation
                ) { _, body, _ in
                    for try await chunk in body! { await received.add(chunk.count) }
                    return (HTTPResponse(status: .ok), nil)
                }
            }
            #expect(await received.value == expectedBytes)
        }
    }

    actor Counter {
        var value = 0
        func add(_ n: Int) { value += n }
    }
}
