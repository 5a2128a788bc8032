/// Identifier of an ``Organization``.
public typealias OrganizationID = Identifier<Organization>
/// Identifier of a ``Member``.
public typealias MemberID = Identifier<Member>
/// Identifier of an ``APIKey`` (the database id, not the public lookup id inside the key text).
public typealias APIKeyID = Identifier<APIKey>
/// Identifier of an ``Instance`` (a linked WhatsApp account).
public typealias InstanceID = Identifier<Instance>
/// Identifier of a ``Contact``.
public typealias ContactID = Identifier<Contact>
/// Identifier of a ``Chat``.
public typealias ChatID = Identifier<Chat>
/// Identifier of a ``Message``.
public typealias MessageID = Identifier<Message>
/// Identifier of a ``Template``.
public typealias TemplateID = Identifier<Template>
/// Identifier of a ``Campaign``.
public typealias CampaignID = Identifier<Campaign>
/// Identifier of an ``Automation``.
public typealias AutomationID = Identifier<Automation>
/// Identifier of a ``WebhookEndpoint``.
public typealias WebhookEndpointID = Identifier<WebhookEndpoint>
/// Identifier of a ``Delivery`` (one event to one endpoint, with its attempts).
public typealias DeliveryID = Identifier<Delivery>
/// Identifier of an ``AuditEvent``.
public typealias AuditEventID = Identifier<AuditEvent>
/// Identifier of a ``MediaObject``.
public typealias MediaObjectID = Identifier<MediaObject>
/// Identifier of a ``ProxyServer``.
public typealias ProxyServerID = Identifier<ProxyServer>
/// Identifier of a ``RiskAlert``.
public typealias RiskAlertID = Identifier<RiskAlert>
