/// One recipient of a bulk send (``CampaignService/bulkSend(instance:content:to:schedule:by:)``), with optional
/// per-recipient template variables.
public struct BulkRecipient: Sendable, Hashable {
    /// Who.
    public enum Target: Sendable, Hashable {
        /// A phone number; the contact with that number is used, or created.
        case phone(PhoneNumber)
        /// A stored contact.
        case contact(ContactID)
    }

    /// Who receives the message.
    public var target: Target
    /// Values for the template's own variables (they win over the built-in `name`, `first_name`, `phone`).
    public var variables: [String: String]

    /// A recipient with optional variables.
    public init(_ target: Target, variables: [String: String] = [:]) {
        self.target = target
        self.variables = variables
    }

    /// A phone number with optional variables.
    public static func phone(_ phone: PhoneNumber, variables: [String: String] = [:]) -> BulkRecipient {
        BulkRecipient(.phone(phone), variables: variables)
    }

    /// A stored contact with optional variables.
    public static func contact(_ id: ContactID, variables: [String: String] = [:]) -> BulkRecipient {
        BulkRecipient(.contact(id), variables: variables)
    }
}

/// What a bulk send sends: a stored template, or a literal text (which may use the built-in variables and the
/// recipients' own ones; it is stored as a template named `Bulk send <campaign id>`).
public enum BulkContent: Sendable, Hashable {
    /// A stored template.
    case template(TemplateID)
    /// Literal text (1–4,096 characters), stored as a template.
    case text(String)
}
