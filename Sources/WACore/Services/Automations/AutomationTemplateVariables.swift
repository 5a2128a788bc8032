/// The `{{variables}}` an automated reply's template may use, filled in from the contact.
///
/// | variable | value |
/// |---|---|
/// | `name` | the contact's name (their WhatsApp push name unless someone changed it), or empty |
/// | `first_name` | the first word of `name`, or empty |
/// | `phone` | the contact's number in E.164 (`+4917012345678`), or empty |
///
/// ``AutomationService`` refuses a reply action whose template uses any other variable
/// (`unsupported_template_variable`).
public enum AutomationTemplateVariables {
    /// Every variable name automations fill in.
    public static let supported: Set<String> = ["name", "first_name", "phone"]

    /// The values for `template`'s variables (exactly those it uses, as ``Template/render(_:)`` requires) for
    /// `contact`. Variables outside ``supported`` are left out, so rendering reports them as missing.
    public static func values(for template: Template, contact: Contact) -> [String: String] {
        let name = contact.name ?? ""
        let all: [String: String] = [
            "name": name,
            "first_name": name.split(separator: " ").first.map(String.init) ?? "",
            "phone": contact.phone?.e164 ?? "",
        ]
        var values: [String: String] = [:]
        for variable in template.variables {
            if let value = all[variable] { values[variable] = value }
        }
        return values
    }
}
