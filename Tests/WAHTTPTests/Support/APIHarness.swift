import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WACore
import WACoreTesting
import WAHTTP

/// A gateway on the memory store and the simulated WhatsApp network, its REST API served over loopback, and two
/// organizations ("acme" and "globex") with an admin's API key each, plus keys of other roles on demand.
struct APIHarness {
    let gateway: Gateway
    let whatsapp: SimulatedWhatsApp
    /// Where invitation and password-reset tokens go (the API never returns them).
    let notifier: RecordingAccountNotifier
    let acme: Tenant
    let globex: Tenant

    /// An organization and its admin's key.
    struct Tenant {
        let organization: Organization
        let admin: Member
        let adminKey: String
    }

    static func make(
        readiness: [HealthCheck] = [], requestLimits: HTTPRequestLimits? = GatewayHTTPServer.Configuration.defaultRequestLimits,
        sessionLifetime: Duration = SessionTokens.defaultLifetime, trustedProxies: TrustedProxies = .none
    ) async throws -> (APIHarness, GatewayHTTPServer) {
        let random = SeededRandomSource(seed: 7)
        let notifier = RecordingAccountNotifier()
        var environment = ServiceEnvironment.inMemory(
            clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
            wakeUps: false, logger: Logger(label: "test"))
        environment.accountNotifier = notifier
        let whatsapp = SimulatedWhatsApp(clock: environment.clock, random: random)
        let gateway = Gateway(environment: environment, transport: whatsapp)
        let acme = try await tenant("acme", gateway)
        let globex = try await tenant("globex", gateway)
        let harness = APIHarness(gateway: gateway, whatsapp: whatsapp, notifier: notifier, acme: acme, globex: globex)
        var configuration = GatewayHTTPServer.Configuration()
        configuration.readinessChecks = readiness
        configuration.requestLimits = requestLimits
        configuration.sessionLifetime = sessionLifetime
        configuration.trustedProxies = trustedProxies
        return (harness, GatewayHTTPServer(gateway: gateway, configuration: configuration, logger: Logger(label: "test")))
    }

    private static func tenant(_ slug: String, _ gateway: Gateway) async throws -> Tenant {
        let (organization, admin) = try await gateway.team.createOrganization(
            name: slug.capitalized, slug: slug, plan: .pro, adminEmail: "admin@\(slug).example",
            adminName: "Admin", adminPassword: "correct horse battery staple")
        let key = try await gateway.apiKeys.issue(
            name: "admin", scopes: Role.admin.permissions, by: .authenticatedExternally(admin))
        return Tenant(organization: organization, admin: admin, adminKey: key.secret.reveal())
    }

    /// A key of a new member of `tenant` with `role` (and, for agents, the instances assigned to them). Viewers
    /// cannot hold API keys: their role does not allow `api_keys:manage_own`.
    func key(in tenant: Tenant, role: Role, assigned: Set<InstanceID> = [], scopes: Set<Permission>? = nil)
        async throws -> String
    {
        let admin = Principal.authenticatedExternally(tenant.admin)
        let email = "\(role.rawValue)-\(UUID().uuidString.prefix(8).lowercased())@\(tenant.organization.slug).example"
        let (_, invitation) = try await gateway.team.invite(
            email: email, displayName: role.rawValue, role: role, by: admin)
        var member = try await gateway.team.acceptInvitation(
            token: invitation.reveal(), password: "correct horse battery staple")
        if !assigned.isEmpty {
            member = try await gateway.team.assign(instances: assigned, to: member.id, by: admin)
        }
        let key = try await gateway.apiKeys.issue(
            name: role.rawValue, scopes: scopes ?? role.permissions, by: .authenticatedExternally(member))
        return key.secret.reveal()
    }
}

extension TestClientProtocol {
    /// Creates an instance named `name` over the API, starts it and links it to a simulated phone (`phone`) by
    /// scanning its QR code through the simulator route; returns its id once it is `ready`.
    func linkedInstance(_ name: String, key: String, phone: String = "+4915100000001") async throws -> String {
        let created = try await call(.post, "/v1/instances", key: key, json: #"{"name":"\#(name)"}"#)
        guard let id = try created.object["id"] as? String else {
            throw WAError(.internalError, "creating the instance failed: \(String(buffer: created.body))")
        }
        _ = try await call(.post, "/v1/instances/\(id)/start", key: key)
        try await waitFor("a QR code") { try await call(.get, "/v1/instances/\(id)/qr", key: key).status == .ok }
        let scan = try await call(
            .post, "/v1/instances/\(id)/simulator/scan", key: key, json: #"{"phone":"\#(phone)"}"#)
        guard scan.status == .accepted else {
            throw WAError(.internalError, "scanning failed: \(String(buffer: scan.body))")
        }
        try await waitFor("the instance to be ready") {
            try await call(.get, "/v1/instances/\(id)", key: key).object["status"] as? String == "ready"
        }
        return id
    }

    /// Sends every `(method, path, body)` with `key` and expects each to be refused with `status` and the problem
    /// `code` (another organization's key: 404 `not_found`; a role without the permission: 403
    /// `permission_denied`).
    func expectRefused(
        _ attempts: [(HTTPRequest.Method, String, String?)], key: String, status: HTTPResponse.Status = .notFound,
        code: String = "not_found", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (method, path, body) in attempts {
            let response = try await call(method, path, key: key, json: body)
            #expect(response.status == status, "\(method) \(path)", sourceLocation: sourceLocation)
            #expect(response.problemCode == code, "\(method) \(path)", sourceLocation: sourceLocation)
        }
    }

    /// A session token of a new member of `tenant` with `role`, signed in over the API (viewers cannot hold API
    /// keys, so tests act as viewers this way).
    func sessionToken(of role: Role, in tenant: APIHarness.Tenant, _ harness: APIHarness) async throws -> String {
        let email = "\(role.rawValue)-\(UUID().uuidString.prefix(8).lowercased())@\(tenant.organization.slug).example"
        let password = "correct horse battery staple"
        let (_, invitation) = try await harness.gateway.team.invite(
            email: email, displayName: role.rawValue, role: role, by: .authenticatedExternally(tenant.admin))
        _ = try await harness.gateway.team.acceptInvitation(token: invitation.reveal(), password: password)
        let response = try await call(
            .post, "/v1/auth/login",
            json: #"{"organization":"\#(tenant.organization.slug)","email":"\#(email)","password":"\#(password)"}"#)
        guard let token = try response.object["token"] as? String else {
            throw WAError(.internalError, "signing in failed: \(String(buffer: response.body))")
        }
        return token
    }

    /// Waits until the message `id` is delivered (or read), reading it with `key`.
    func waitForDelivery(of id: String, key: String) async throws {
        try await waitFor("message \(id) to be delivered") {
            let status = try await call(.get, "/v1/messages/\(id)", key: key).object["status"] as? String
            return status == "delivered" || status == "read"
        }
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw WAError(.internalError, "timed out waiting for \(what)")
    }

    /// Sends a request with `key` as a bearer token and a JSON body (when given).
    func call(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var object: [String: Any] {
        get throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                throw WAError(.internalError, "not a JSON object: \(String(buffer: body))")
            }
            return object
        }
    }

    /// The problem's `code`, for an error response.
    var problemCode: String? { (try? object)?["code"] as? String }
}
