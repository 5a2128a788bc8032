import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.WebhookEndpoint {
    init(_ endpoint: WACore.WebhookEndpoint) {
        self.init(
            id: endpoint.id.description, url: endpoint.url, label: endpoint.label, eventFilters: endpoint.eventFilters,
            signatureMode: .init(endpoint.signatureMode), enabled: endpoint.isEnabled,
            disabledReason: endpoint.disabledReason, consecutiveFailures: endpoint.consecutiveFailures,
            failingSince: endpoint.firstFailureAt, createdAt: endpoint.createdAt, updatedAt: endpoint.updatedAt,
            version: endpoint.version)
    }
}

extension Components.Schemas.WebhookSignatureMode {
    init(_ mode: WACore.WebhookEndpoint.SignatureMode) {
        switch mode {
        case .standardWebhooks: self = .standardWebhooks
        case .standardWebhooksAndHubSignature: self = .standardWebhooksAndHub
        }
    }

    var core: WACore.WebhookEndpoint.SignatureMode {
        switch self {
        case .standardWebhooks: .standardWebhooks
        case .standardWebhooksAndHub: .standardWebhooksAndHubSignature
        }
    }
}

extension Components.Schemas.WebhookDeliveryStatus {
    init(_ status: WACore.Delivery.Status) {
        switch status {
        case .pending: self = .pending
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        }
    }

    var core: WACore.Delivery.Status {
        switch self {
        case .pending: .pending
        case .succeeded: .succeeded
        case .failed: .failed
        }
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ delivery: WACore.Delivery) {
        self.init(
            id: delivery.id.description, webhookId: delivery.endpointID.description, eventId: delivery.eventID,
            eventType: delivery.eventType, status: .init(delivery.status), nextAttemptAt: delivery.nextAttemptAt,
            attempts: delivery.attempts.map {
                .init(
                    startedAt: $0.startedAt, statusCode: $0.statusCode, error: $0.error,
                    durationMs: $0.durationMilliseconds)
            },
            createdAt: delivery.createdAt, updatedAt: delivery.updatedAt)
    }
}
