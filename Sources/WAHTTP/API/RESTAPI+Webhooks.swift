import WACore
import WAOpenAPI

extension RESTAPI {
    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.webhooks.endpoints(
            by: principal, where: .init(isEnabled: query.enabled), page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let created = try await gateway.webhooks.create(
            url: body.url, eventFilters: body.eventFilters ?? [], label: body.label,
            signatureMode: body.signatureMode?.core ?? .standardWebhooks, by: principal)
        return .created(.init(body: .json(.init(endpoint: .init(created.endpoint), secret: created.secret.text))))
    }

    func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        return .ok(.init(body: .json(.init(try await gateway.webhooks.endpoint(id, by: principal)))))
    }

    func updateWebhook(_ input: Operations.UpdateWebhook.Input) async throws -> Operations.UpdateWebhook.Output {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        // An empty label removes it (WACore reads a blank label as none).
        let label: String?? = body.label.map { .some($0) }
        let endpoint = try await gateway.webhooks.update(
            id, url: body.url, label: label, eventFilters: body.eventFilters, signatureMode: body.signatureMode?.core,
            isEnabled: body.enabled, by: principal)
        return .ok(.init(body: .json(.init(endpoint))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        try await gateway.webhooks.delete(id, by: principal)
        return .noContent(.init())
    }

    func sendWebhookTest(_ input: Operations.SendWebhookTest.Input) async throws -> Operations.SendWebhookTest.Output {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        return .accepted(.init(body: .json(.init(try await gateway.webhooks.sendTestEvent(to: id, by: principal)))))
    }

    func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws
        -> Operations.RotateWebhookSecret.Output
    {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        let rotated = try await gateway.webhooks.rotateSecret(id, by: principal)
        return .ok(
            .init(
                body: .json(
                    .init(
                        endpoint: .init(rotated.endpoint), secret: rotated.secret.text,
                        previousSecretRetiresAt: rotated.previousSecretRetiresAt))))
    }

    func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws
        -> Operations.ListWebhookDeliveries.Output
    {
        let principal = try RequestPrincipal.require()
        let id: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let result = try await gateway.webhooks.deliveries(
            by: principal, endpoint: id, status: query.status?.core, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func replayWebhookDelivery(_ input: Operations.ReplayWebhookDelivery.Input) async throws
        -> Operations.ReplayWebhookDelivery.Output
    {
        let principal = try RequestPrincipal.require()
        let endpoint: WebhookEndpointID = try APIInput.id(input.path.webhookId, field: "webhook_id")
        let id: DeliveryID = try APIInput.id(input.path.deliveryId, field: "delivery_id")
        return .accepted(.init(body: .json(.init(try await gateway.webhooks.replay(id, of: endpoint, by: principal)))))
    }
}
