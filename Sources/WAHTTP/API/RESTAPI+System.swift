import Prometheus
import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        var failing: [String] = []
        for check in readinessChecks where await !check.isReady() {
            failing.append(check.name)
        }
        if failing.isEmpty {
            return .ok(.init(body: .json(.init(status: .ready))))
        }
        return .serviceUnavailable(.init(body: .json(.init(status: .notReady, failing: failing))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws
        -> Operations.GetOpenAPIDocument.Output
    {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.yaml))))
    }
}

extension RESTAPI {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        // A configured scraper token was checked by AuthenticationMiddleware.
        guard let metrics else { throw WAError(.notFound, "metrics are not enabled on this gateway") }
        return .ok(.init(body: .plainText(HTTPBody(metrics.registry.emitToBuffer()))))
    }
}
