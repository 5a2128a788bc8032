public import Foundation
public import WACore

/// Builds valid sample records for tests: deterministic for a seed, unique where the store demands it, and with
/// timestamps on whole milliseconds so they survive any store's precision.
public struct Fixtures: Sendable {
    public let clock: TestClock
    public let random: SeededRandomSource
    public let ids: IdentifierGenerator

    public init(seed: UInt64 = 1) {
        clock = TestClock()
        random = SeededRandomSource(seed: seed)
        // Identifiers must be unique across runs that share a store, so they use the real random source for
        // their random bits; the seeded source drives everything else.
        ids = IdentifierGenerator(clock: clock, random: SystemRandomSource())
    }

    /// The clock's current time; each call moves the clock forward by one millisecond so records get distinct,
    /// increasing timestamps.
    public func now() -> Date {
        clock.advance(by: .milliseconds(1))
        return clock.now()
    }

    /// A random lower-case token of `length` characters from `[a-z0-9]`, unique enough for slugs and names.
    public func token(_ length: Int = 10) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomSource().generator
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A German mobile number (`+491701…`) with six random digits.
    public func phone() -> PhoneNumber {
        var generator = SystemRandomSource().generator
        let digits = (0..<6).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
        // Valid by construction, so a failure here is a bug in PhoneNumber, not in the fixture.
        return try! PhoneNumber("+491701\(digits)")
    }

    public func organization(plan: Plan = .pro) -> Organization {
        Organization(id: ids.make(), name: "Org \(token(4))", slug: "org-\(token())", plan: plan, createdAt: now())
    }

    public func member(in org: OrganizationID, role: Role = .agent, email: String? = nil) -> Member {
        Member(
            id: ids.make(), organizationID: org, email: email ?? "\(token(8))@example.com",
            displayName: "Member \(token(4))", role: role, createdAt: now())
    }

    public func apiKey(in org: OrganizationID, createdBy: MemberID, scopes: Set<Permission> = [.messagesSend])
        -> APIKey
    {
        APIKey(
            id: ids.make(), organizationID: org, createdBy: createdBy, name: "key \(token(4))", lookupID: token(12),
            digest: random.bytes(32), hint: token(4), scopes: scopes, createdAt: now())
    }

    public func instance(in org: OrganizationID, name: String? = nil) -> Instance {
        Instance(id: ids.make(), organizationID: org, name: name ?? "instance-\(token(6))", createdAt: now())
    }

    public func contact(in org: OrganizationID, phone: PhoneNumber? = nil, tags: Set<String> = []) -> Contact {
        let phone = phone ?? self.phone()
        return Contact(
            id: ids.make(), organizationID: org, jid: phone.jid, phone: phone, name: "Contact \(token(4))", tags: tags,
            createdAt: now())
    }

    public func chat(in org: OrganizationID, instance: InstanceID, jid: JID? = nil) -> Chat {
        Chat(id: ids.make(), organizationID: org, instanceID: instance, jid: jid ?? phone().jid, createdAt: now())
    }

    public func message(
        in org: OrganizationID, instance: InstanceID, chat: JID? = nil, direction: Message.Direction = .outbound,
        status: MessageStatus = .queued, idempotencyKey: String? = nil
    ) -> Message {
        Message(
            id: ids.make(), organizationID: org, instanceID: instance, chatJID: chat ?? phone().jid,
            direction: direction, kind: .text, body: "Hello \(token(5)) 👋", status: status,
            idempotencyKey: idempotencyKey, createdAt: now())
    }

    public func template(in org: OrganizationID, name: String? = nil) -> Template {
        Template(
            id: ids.make(), organizationID: org, name: name ?? "template-\(token(6))",
            body: "Hi {{name}}, your code is {{code}}", createdAt: now())
    }

    public func campaign(in org: OrganizationID, instance: InstanceID, template: TemplateID) -> Campaign {
        Campaign(
            id: ids.make(), organizationID: org, instanceID: instance, name: "campaign \(token(4))",
            templateID: template, audience: .tags(["vip"]), createdAt: now())
    }

    public func automation(in org: OrganizationID, template: TemplateID) -> Automation {
        Automation(
            id: ids.make(), organizationID: org, name: "auto \(token(4))", trigger: .keyword("price", wholeMessage: false),
            actions: [.replyWithTemplate(template), .tagContact("asked-price")], createdAt: now())
    }

    public func webhookEndpoint(in org: OrganizationID) -> WebhookEndpoint {
        WebhookEndpoint(
            id: ids.make(), organizationID: org, url: "https://hooks.example.com/\(token(8))",
            eventFilters: ["message.*"], sealedSecrets: [random.bytes(60)], createdAt: now())
    }

    public func delivery(in org: OrganizationID, endpoint: WebhookEndpointID, eventID: String? = nil) -> Delivery {
        Delivery(
            id: ids.make(), organizationID: org, endpointID: endpoint, eventID: eventID ?? "evt_\(token(16))",
            eventType: "message.received", payload: Array(#"{"hello":"wörld"}"#.utf8), createdAt: now())
    }

    public func auditEvent(in org: OrganizationID, actor: AuditEvent.Actor = .system, action: String = "member.invited")
        -> AuditEvent
    {
        AuditEvent(
            id: ids.make(), organizationID: org, actor: actor, action: action, resourceType: "member",
            resourceID: token(8), metadata: ["role": "agent"], occurredAt: now())
    }

    public func mediaObject(in org: OrganizationID) -> MediaObject {
        MediaObject(
            id: ids.make(), organizationID: org, mimeType: "image/png", kind: .image, byteCount: 1234,
            sha256: String(repeating: "ab", count: 32), fileName: "photo.png", createdAt: now())
    }

    public func proxyServer(in org: OrganizationID) -> ProxyServer {
        ProxyServer(
            id: ids.make(), organizationID: org, scheme: .socks5, host: "proxy-\(token(6)).example.net", port: 1080,
            username: "user", sealedPassword: random.bytes(40), capacity: 3, createdAt: now())
    }

    public func job(
        in org: OrganizationID, queue: String = "message.send", scheduledAt: Date? = nil, priority: Int = 0,
        uniqueKey: String? = nil, maxAttempts: Int = 5, lane: String? = nil
    ) -> Job {
        let now = now()
        return Job(
            id: ids.make(), organizationID: org, queue: queue, payload: Array(#"{"n":1}"#.utf8),
            maxAttempts: maxAttempts, priority: priority, scheduledAt: scheduledAt ?? now, uniqueKey: uniqueKey,
            lane: lane, createdAt: now)
    }

    public func riskAlert(in org: OrganizationID, instance: InstanceID) -> RiskAlert {
        RiskAlert(
            id: ids.make(), organizationID: org, instanceID: instance, severity: .warning, score: 42.5,
            rules: ["unanswered_streak"], evidence: ["unanswered": "17"], createdAt: now())
    }
}

/// An organization with the records most others hang off (an admin, an instance, a template, a webhook
/// endpoint), already stored.
public struct TenantFixture: Sendable {
    public let organization: Organization
    public let admin: Member
    public let instance: Instance
    public let template: Template
    public let endpoint: WebhookEndpoint

    public var id: OrganizationID { organization.id }

    /// Creates and stores the tenant in one system-scope transaction.
    public static func create(in store: any Store, using fixtures: Fixtures, plan: Plan = .pro) async throws
        -> TenantFixture
    {
        let org = fixtures.organization(plan: plan)
        let admin = fixtures.member(in: org.id, role: .admin)
        let instance = fixtures.instance(in: org.id)
        let template = fixtures.template(in: org.id)
        let endpoint = fixtures.webhookEndpoint(in: org.id)
        return try await store.transaction(.system) { tx in
            TenantFixture(
                organization: try await tx.organizations.insert(org),
                admin: try await tx.members.insert(admin),
                instance: try await tx.instances.insert(instance),
                template: try await tx.templates.insert(template),
                endpoint: try await tx.webhookEndpoints.insert(endpoint))
        }
    }
}
