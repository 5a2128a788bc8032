import OpenAPIRuntime
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
