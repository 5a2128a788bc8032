import Foundation

/// The REST API's OpenAPI document (`openapi.yaml` in this target), as shipped: the source the server types are
/// generated from, and what `GET /openapi.yaml` serves.
package enum OpenAPIDocument {
    /// The document's bytes, read once from the target's resources.
    package static let yaml: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else {
            // The file is a resource of this target: missing means a broken build, not a runtime condition.
            fatalError("openapi.yaml is missing from the WAOpenAPI bundle")
        }
        return [UInt8](data)
    }()
}
