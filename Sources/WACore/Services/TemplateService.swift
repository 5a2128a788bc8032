import Foundation

/// Message templates: create, change, delete, list and render.
public struct TemplateService: Sendable {
    private let env: ServiceEnvironment
    /// The longest template body (WhatsApp text messages allow more, but templates are meant to be short).
    public static let maximumBodyLength = 4_096

    /// A service over `environment`, of which it uses the store, clock, identifier generator and access policy.
    public init(environment: ServiceEnvironment) { self.env = environment }

    /// Creates a template. Names are 1–100 characters, unique in the organization; the body is 1–4,096
    /// characters.
    public func create(name: String, body: String, language: String? = nil, by principal: Principal) async throws
        -> Template
    {
        let org = principal.organizationID
        try env.policy.require(principal, .templatesManage, on: .organization(org))
        let template = Template(
            id: env.ids.make(), organizationID: org, name: try Self.validName(name), body: try Self.validBody(body),
            language: language, createdAt: env.clock.now())
        return try await env.transaction(by: principal) { tx in
            let stored = try await tx.templates.insert(template)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "template.created", by: principal.auditActor, in: org, resourceType: "template",
                    resourceID: stored.id.description, metadata: ["name": stored.name]))
            return stored
        }
    }

    /// Changes a template's name, body or language (nil leaves a field as it is).
    public func update(
        _ id: TemplateID, name: String? = nil, body: String? = nil, language: String?? = nil, by principal: Principal
    ) async throws -> Template {
        let org = principal.organizationID
        try env.policy.require(principal, .templatesManage, on: .organization(org))
        let newName = try name.map(Self.validName)
        let newBody = try body.map(Self.validBody)
        return try await env.transaction(by: principal) { tx in
            var template = try await tx.templates.get(id, in: org)
            if let newName { template.name = newName }
            if let newBody { template.body = newBody }
            if let language { template.language = language }
            template.updatedAt = env.clock.now()
            let stored = try await tx.templates.update(template)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "template.updated", by: principal.auditActor, in: org, resourceType: "template",
                    resourceID: id.description))
            return stored
        }
    }

    public func delete(_ id: TemplateID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .templatesManage, on: .organization(org))
        try await env.transaction(by: principal) { tx in
            try await tx.templates.delete(id, in: org)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "template.deleted", by: principal.auditActor, in: org, resourceType: "template",
                    resourceID: id.description))
        }
    }

    public func get(_ id: TemplateID, by principal: Principal) async throws -> Template {
        let org = principal.organizationID
        try env.policy.require(principal, .templatesRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.templates.get(id, in: org) }
    }

    public func list(by principal: Principal, page: PageRequest = .first) async throws -> Page<Template> {
        let org = principal.organizationID
        try env.policy.require(principal, .templatesRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.templates.list(in: org, page: page) }
    }

    /// Renders a template with `values` (see ``Template/render(_:)`` for the strictness rules).
    public func render(_ id: TemplateID, with values: [String: String], by principal: Principal) async throws
        -> String
    {
        try await get(id, by: principal).render(values)
    }

    static func validName(_ name: String) throws(WAError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count), !trimmed.contains(where: \.isNewline) else {
            throw WAError.invalid("name", "a template name is 1–100 characters on one line")
        }
        return trimmed
    }

    static func validBody(_ body: String) throws(WAError) -> String {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, body.count <= maximumBodyLength else {
            throw WAError.invalid("body", "a template body is 1–\(maximumBodyLength) characters")
        }
        return body
    }
}
