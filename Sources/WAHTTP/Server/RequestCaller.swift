import Synchronization
import WACore

/// Who a request is from, recorded by ``AuthenticationMiddleware`` when it authenticates the request and read by
/// ``AccessLogMiddleware`` once the response is ready: the organization and the credential's kind and id (never the
/// credential itself). A reference, because the OpenAPI middlewares run inside the router middlewares' task-local
/// scope and can only report back through something shared.
final class RequestCaller: Sendable {
    private let state = Mutex<Principal?>(nil)

    init() {}

    /// The authenticated principal, when there is one.
    var principal: Principal? { state.withLock { $0 } }

    /// Records the principal authentication found.
    func record(_ principal: Principal) {
        state.withLock { $0 = principal }
    }

    /// Log metadata: `organization_id` and `credential` (`api_key:<id>` or `member:<id>`), empty before
    /// authentication and for public operations.
    var logMetadata: [String: String] {
        guard let principal else { return [:] }
        let credential: String
        switch principal.kind {
        case .apiKey(let key, _): credential = "api_key:\(key)"
        case .member(let member): credential = "member:\(member)"
        case .system: credential = "system"
        }
        return ["organization_id": principal.organizationID.description, "credential": credential]
    }
}
