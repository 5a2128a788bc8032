import Foundation
import Hummingbird
import Logging
import Testing
import WACore
import WACoreTesting
import Yams

@testable import WAHTTP
@testable import WAOpenAPI

/// The OpenAPI document and the server are one contract: every route is an operation of the document and every
/// operation a route; the operations anyone may call are the ones the document marks `security: []`; the error
/// codes it lists are WACore's catalogue.
@Suite struct OpenAPIDocumentTests {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The document as a YAML tree.
    static func document() throws -> [String: Any] {
        let text = String(decoding: OpenAPIDocument.yaml, as: UTF8.self)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// `METHOD /path/{param}` for every operation of the document, with its operation id.
    static func operations() throws -> [String: String] {
        let paths = try #require(try document()["paths"] as? [String: Any])
        var operations: [String: String] = [:]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                operations["\(method.uppercased()) \(path)"] = try #require(operation["operationId"] as? String)
            }
        }
        return operations
    }

    /// A route's path with `:name` or `{name}` parameters written as `{}` (the names need not agree).
    static func shape(_ path: String) -> String {
        let segments = path.split(separator: "/").map { segment in
            segment.hasPrefix(":") || segment.hasPrefix("{") ? "{}" : String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    @Test func theRouterServesExactlyTheDocumentsOperations() throws {
        let environment = ServiceEnvironment.testing()
        let gateway = Gateway(
            environment: environment,
            transport: SimulatedWhatsApp(clock: environment.clock, random: environment.random))
        let router = try GatewayHTTPServer(gateway: gateway, logger: Logger(label: "test")).makeRouter()
        let routes = Set(router.routes.map { "\($0.method.rawValue) \(Self.shape($0.path.description))" })
        let documented = Set(try Self.operations().keys.map { key in
            let parts = key.split(separator: " ", maxSplits: 1)
            return "\(parts[0]) \(Self.shape(String(parts[1])))"
        })
        #expect(routes.subtracting(documented).isEmpty, "routes the document lacks")
        #expect(documented.subtracting(routes).isEmpty, "operations the router lacks")
        #expect(routes.count > 20)
    }

    @Test func thePublicOperationsAreTheOnesWithoutSecurity() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: Any])
        var open: Set<String> = []
        for (_, item) in paths {
            for method in Self.methods {
                guard let operation = (item as? [String: Any])?[method] as? [String: Any] else { continue }
                if let security = operation["security"] as? [Any], security.isEmpty {
                    open.insert(try #require(operation["operationId"] as? String))
                }
            }
        }
        #expect(open == AuthenticationMiddleware.publicOperations)
        let global = try #require(try Self.document()["security"] as? [[String: Any]])
        #expect(Set(global.flatMap(\.keys)) == ["bearerAuth", "apiKeyHeader"])
    }

    /// Every object a request body can contain is closed (`additionalProperties: false`, or a typed map) and no
    /// request schema allows `null`: so a `null` anywhere in a request body breaks the document, which is what
    /// ``JSONNullMiddleware`` refuses, and a misspelt field is an error rather than silently ignored.
    @Test func requestBodiesAreClosedAndNeverNull() throws {
        let document = try Self.document()
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var pending: [(where: String, schema: Any)] = []
        for (path, item) in paths {
            for method in Self.methods {
                guard let operation = (item as? [String: Any])?[method] as? [String: Any],
                    let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any],
                    let json = (content["application/json"] as? [String: Any])?["schema"]
                else { continue }
                pending.append(("\(method.uppercased()) \(path)", json))
            }
        }
        var seen: Set<String> = []
        var problems: [String] = []
        while let (place, value) = pending.popLast() {
            guard let schema = value as? [String: Any] else { continue }
            if let reference = schema["$ref"] as? String {
                let name = String(reference.split(separator: "/").last ?? "")
                if seen.insert(name).inserted, let target = schemas[name] { pending.append((name, target)) }
                continue
            }
            let types = (schema["type"] as? [String]) ?? [(schema["type"] as? String) ?? ""]
            if types.contains("null") { problems.append("\(place) allows null") }
            if types.contains("object"), schema["properties"] != nil {
                if (schema["additionalProperties"] as? Bool) != false {
                    problems.append("\(place) is not closed (additionalProperties: false)")
                }
            }
            for (property, child) in (schema["properties"] as? [String: Any]) ?? [:] {
                pending.append(("\(place).\(property)", child))
            }
            for key in ["items", "additionalProperties"] where schema[key] is [String: Any] {
                pending.append(("\(place)[\(key)]", schema[key]!))
            }
            for key in ["oneOf", "anyOf", "allOf"] {
                for child in (schema[key] as? [Any]) ?? [] { pending.append((place, child)) }
            }
        }
        #expect(problems.isEmpty, "\(problems.sorted().joined(separator: "\n"))")
        #expect(seen.count > 10)
    }

    @Test func theErrorCodesAreTheCatalogue() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let codes = try #require((schemas["ErrorCode"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(codes) == Set(WAError.Code.allCases.map(\.rawValue)))
        #expect(codes.count == WAError.Code.allCases.count)
    }
}

/// The document is valid OpenAPI 3.1, as the Python `openapi-spec-validator` (pinned in `scripts/requirements.txt`,
/// installed by `scripts/test`) reads it. Skipped locally without it; on CI it must run.
@Suite struct OpenAPIDocumentValidationTests {
    static let documentPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/WAOpenAPI/openapi.yaml").path

    static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !["", "0", "false"].contains(value.lowercased())
    }()

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static let validatorInstalled = (try? python(["-c", "import openapi_spec_validator"]))?.status == 0

    @Test(.enabled(if: isCI || validatorInstalled, "python3 with openapi-spec-validator is not installed"))
    func theDocumentValidates() throws {
        #expect(Self.validatorInstalled, "install scripts/requirements.txt: openapi-spec-validator is missing")
        let result = try Self.python(["-m", "openapi_spec_validator", Self.documentPath])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("OK"))
    }
}
