import Foundation

/// The template variables a campaign fills in for every recipient from the contact.
///
/// | variable | value |
/// |---|---|
/// | `name` | the contact's name, or an empty string when it has none |
/// | `first_name` | the first word of the name, or an empty string |
/// | `phone` | the number in E.164 (`+4917012345678`), or an empty string |
///
/// Bulk sends may add per-recipient variables (``BulkRecipient``); those win over the built-in ones. Only the
/// variables the template uses are passed to ``Template/render(_:)``, so extra values are never an error, while a
/// variable the template uses and nobody provides is `template_variable_missing` when the campaign is created or
/// started.
public enum CampaignVariables {
    /// The built-in variable names.
    public static let builtIn: Set<String> = ["name", "first_name", "phone"]

    /// The built-in values for `contact`.
    public static func values(for contact: Contact) -> [String: String] {
        let name = contact.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let first = name.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        return ["name": name, "first_name": first, "phone": contact.phone?.e164 ?? ""]
    }

    /// The variables `template` uses that neither the built-ins nor `provided` cover, in order of appearance.
    public static func missing(in template: Template, provided: Set<String> = []) -> [String] {
        template.variables.filter { !builtIn.contains($0) && !provided.contains($0) }
    }

    /// Throws `template_variable_missing` unless every variable `template` uses is covered.
    public static func requireCovered(_ template: Template, provided: Set<String> = []) throws(WAError) {
        let missing = missing(in: template, provided: provided)
        guard missing.isEmpty else {
            throw WAError(
                .templateVariableMissing,
                "the template \(template.name) uses variables a campaign cannot fill: \(missing.joined(separator: ", ")) (available: \(builtIn.sorted().joined(separator: ", ")))",
                field: "template_id")
        }
    }

    /// The text for one recipient: built-in values, overridden by `custom`, restricted to what the template uses.
    static func render(_ template: Template, for contact: Contact, custom: [String: String]) throws(WAError) -> String {
        var values = values(for: contact)
        values.merge(custom) { _, new in new }
        let used = Set(template.variables)
        return try template.render(values.filter { used.contains($0.key) })
    }
}
