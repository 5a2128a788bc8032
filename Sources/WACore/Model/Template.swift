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
    /// is letters, digits, `_` or `.`, with optional spaces inside the braces; other `{{…}}` text is left as it is.
    public var variables: [String] {
        var names: [String] = []
        for piece in Self.pieces(of: body) {
            if case .variable(let name) = piece, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The body with every variable replaced.
    ///
    /// Every variable the template uses must be given (`template_variable_missing`, naming them all), and every
    /// value given must be used (`template_variable_unknown`), so a typo in either place is caught before anything
    /// is sent. Values are inserted as they are; they are not themselves expanded.
    public func render(_ values: [String: String]) throws(WAError) -> String {
        let used = variables
        let missing = used.filter { values[$0] == nil }
        guard missing.isEmpty else {
            throw WAError(
                .templateVariableMissing, "missing template variables: \(missing.joined(separator: ", "))",
                field: "variables")
        }
        let unknown = values.keys.filter { !used.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw WAError(
                .templateVariableUnknown,
                "the template \(name) has no variables named \(unknown.joined(separator: ", "))", field: "variables")
        }
        var output = ""
        for piece in Self.pieces(of: body) {
            switch piece {
            case .text(let text): output += text
            case .variable(let name): output += values[name] ?? ""
            }
        }
        return output
    }

    private enum Piece {
        case text(Substring)
        case variable(String)
    }

    private static func pieces(of body: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = body[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                pieces.append(.text(rest[..<open.lowerBound]))
                pieces.append(.variable(name))
            } else {
                pieces.append(.text(rest[..<close.upperBound]))
            }
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(rest))
        return pieces
    }
}
