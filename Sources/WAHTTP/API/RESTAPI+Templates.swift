import WACore
import WAOpenAPI

extension RESTAPI {
    func listTemplates(_ input: Operations.ListTemplates.Input) async throws -> Operations.ListTemplates.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.templates.list(by: principal, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createTemplate(_ input: Operations.CreateTemplate.Input) async throws -> Operations.CreateTemplate.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let template = try await gateway.templates.create(
            name: body.name, body: body.body, language: body.language.flatMap { $0.isEmpty ? nil : $0 },
            by: principal)
        return .created(.init(body: .json(.init(template))))
    }

    func getTemplate(_ input: Operations.GetTemplate.Input) async throws -> Operations.GetTemplate.Output {
        let principal = try RequestPrincipal.require()
        let id: TemplateID = try APIInput.id(input.path.templateId, field: "template_id")
        return .ok(.init(body: .json(.init(try await gateway.templates.get(id, by: principal)))))
    }

    func updateTemplate(_ input: Operations.UpdateTemplate.Input) async throws -> Operations.UpdateTemplate.Output {
        let principal = try RequestPrincipal.require()
        let id: TemplateID = try APIInput.id(input.path.templateId, field: "template_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        // An empty language removes it; a missing one leaves it.
        let language: String?? = body.language.map { $0.isEmpty ? nil : $0 }
        let template = try await gateway.templates.update(
            id, name: body.name, body: body.body, language: language, by: principal)
        return .ok(.init(body: .json(.init(template))))
    }

    func deleteTemplate(_ input: Operations.DeleteTemplate.Input) async throws -> Operations.DeleteTemplate.Output {
        let principal = try RequestPrincipal.require()
        let id: TemplateID = try APIInput.id(input.path.templateId, field: "template_id")
        try await gateway.templates.delete(id, by: principal)
        return .noContent(.init())
    }

    func previewTemplate(_ input: Operations.PreviewTemplate.Input) async throws -> Operations.PreviewTemplate.Output {
        let principal = try RequestPrincipal.require()
        let id: TemplateID = try APIInput.id(input.path.templateId, field: "template_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let text = try await gateway.templates.render(
            id, with: body.variables?.additionalProperties ?? [:], by: principal)
        return .ok(.init(body: .json(.init(text: text))))
    }
}
