import HTTPTypes
import OpenAPIRuntime
import Testing

@testable import WAHTTP

/// A server fault is logged without the request's credentials or body.
@Suite struct ProblemLoggingTests {
    struct Fault: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }

    @Test func aServerErrorIsLoggedWithoutHeadersOrInput() {
        let request = HTTPRequest(
            method: .post, scheme: nil, authority: nil, path: "/v1/messages",
            headerFields: [.authorization: "Bearer wa_live_SECRETSECRET"])
        let error = ServerError(
            operationID: "sendMessage", request: request, requestBody: HTTPBody("the message text"),
            requestMetadata: .init(), operationInput: "the message text", causeDescription: "Unknown",
            underlyingError: Fault())
        #expect(String(describing: error).contains("SECRETSECRET"), "the runtime's own description shows headers")
        let logged = ProblemMiddleware<GatewayRequestContext>.loggable(error)
        #expect(!logged.contains("SECRETSECRET"))
        #expect(!logged.contains("the message text"))
        #expect(logged.contains("sendMessage") && logged.contains("disk on fire"))
    }
}
