public import Foundation

/// A reusable message text with `{{variables}}` (`"Hi {{name}}, your order {{order_id}} shipped"`).
public struct Template: Sendable, Hashable, Codable {
    public var id: TemplateID
    public var organizationID: OrganizationID
    /// Unique within the organization.
    public var name: String
    public var body: String
    /// BCP 47 language tag, informational.
    public var language: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: TemplateID, organizationID: OrganizationID, name: String, body: String, language: String? = nil,
        createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.body = body
        self.language = language
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// The variable names used in ``body``, in order of first appearance. A variable is `{{name}}` where the name
    /// is letters, digits, `_` or `.`, with optional spaces inside the braces.
    public var variables: [String] {
        var names: [String] = []
        var rest = body[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }),
                !names.contains(name)
            {
                names.append(name)
            }
            rest = rest[close.upperBound...]
        }
        return names
    }
}
