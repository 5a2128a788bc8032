public import Foundation

/// A linked WhatsApp account ("instance"): one phone number driven by the gateway.
///
/// An instance holds no secret: its sealed session archive is a record of its own (``SealedSessionArchive``), so
/// an instance can be returned, encoded and logged whole.
public struct Instance: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var id: InstanceID
    public var organizationID: OrganizationID
    /// A name unique within the organization ("support-de").
    public var name: String
    /// The account's number, known once linked.
    public var phone: PhoneNumber?
    /// The account's own JID, known once linked.
    public var jid: JID?
    /// Where the instance is in its life. Moved only by the instance's ``lifecycle`` machine.
    public private(set) var status: InstanceStatus
    /// How the instance's browser reaches the internet.
    public var proxyPolicy: ProxyPolicy
    /// The proxy currently assigned (sticky until failure or re-pairing).
    public var proxyID: ProxyServerID?
    /// The browser identity, generated at creation and replaced only on re-pairing.
    public var fingerprint: Fingerprint?
    /// Counts pairings: 0 until the first link, +1 each time the account is linked anew (after a logout). Seeds
    /// the fingerprint, so the browser identity changes only with a new pairing.
    public var pairingGeneration: Int
    /// The risk monitor's summary: what the dispatcher reads to slow or hold sends. The monitor's full state is a
    /// record of its own (``RiskMonitorRecord``). Maintained by ``RiskService``.
    public var risk: RiskState
    /// Per-instance overrides of the anti-ban rate limits (nil: the plan's defaults).
    public var rateLimits: InstanceRateLimits?
    /// The warm-up curve of this instance's account, replacing the organization's ``PlanLimits/warmUp`` (nil: the
    /// organization's). ``WarmUpCurve/disabled`` for an account that is already warm.
    public var warmUp: WarmUpCurve?
    /// When the account was linked (its first `ready` with this WhatsApp account; a link to another account
    /// starts again): the start of its warm-up. Recorded by the supervisor.
    public var linkedAt: Date?
    /// Opt-out keyword settings that replace the organization's for this number (nil: the organization's,
    /// ``Organization/optOut``). ``effectiveOptOut(in:)`` is what applies.
    public var optOut: OptOutSettings?
    /// What the instance does with WhatsApp calls it is offered; `nil` is ``CallPolicy/ignore``.
    public var callPolicy: CallPolicy?
    /// Whether a supervisor should run the instance (independent of its ``status``, what it does right now).
    /// Moved only by the instance's ``lifecycle`` machine.
    public private(set) var desiredState: InstanceDesiredState
    /// The QR or pairing code the instance showed last while linking, written by the supervisor that runs it so
    /// that any node can answer for it. It may be stale: read it through ``currentLinkCode(at:)``. Not part of
    /// the instance's description or mirror.
    public var linkCode: LinkCode?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: InstanceID, organizationID: OrganizationID, name: String, phone: PhoneNumber? = nil, jid: JID? = nil,
        status: InstanceStatus = .created, proxyPolicy: ProxyPolicy = .none, proxyID: ProxyServerID? = nil,
        fingerprint: Fingerprint? = nil, pairingGeneration: Int = 0, risk: RiskState = RiskState(), rateLimits: InstanceRateLimits? = nil,
        desiredState: InstanceDesiredState = .stopped, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.phone = phone
        self.jid = jid
        self.status = status
        self.proxyPolicy = proxyPolicy
        self.proxyID = proxyID
        self.fingerprint = fingerprint
        self.pairingGeneration = pairingGeneration
        self.risk = risk
        self.rateLimits = rateLimits
        self.desiredState = desiredState
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// The instance's lifecycle machine, whose state is ``status`` and ``desiredState``. Feeding it an event is
    /// the only way to change them (the supervisor and the instance service do; see ``InstanceLifecycle``).
    public internal(set) var lifecycle: InstanceLifecycle {
        get { InstanceLifecycle(status: status, desiredState: desiredState) }
        set {
            status = newValue.status
            desiredState = newValue.desiredState
        }
    }

    /// The opt-out settings in force for this instance: its own if set, else its organization's.
    public func effectiveOptOut(in organization: Organization) -> OptOutSettings { optOut ?? organization.optOut }

    /// ``linkCode`` while it is still good at `now`: the instance is waiting for that kind of code
    /// (``InstanceStatus/awaitingQR`` for a QR code, ``InstanceStatus/awaitingPairingCode`` for a pairing code) and
    /// the code has not expired; `nil` otherwise.
    public func currentLinkCode(at now: Date) -> LinkCode? {
        guard let linkCode, now < linkCode.expiresAt else { return nil }
        switch (status, linkCode.kind) {
        case (.awaitingQR, .qrCode), (.awaitingPairingCode, .pairingCode): return linkCode
        default: return nil
        }
    }

    public var description: String { "Instance(\(id), \(name), \(status.rawValue))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "organizationID": organizationID, "name": name, "phone": phone as Any, "jid": jid as Any,
                "status": status, "desiredState": desiredState, "proxyPolicy": proxyPolicy,
                "proxyID": proxyID as Any, "fingerprint": fingerprint as Any, "pairingGeneration": pairingGeneration,
                "risk": risk, "rateLimits": rateLimits as Any, "optOut": optOut as Any, "callPolicy": callPolicy as Any,
                "createdAt": createdAt,
                "updatedAt": updatedAt, "version": version,
            ])
    }
}

/// Whether someone wants an instance to run, independent of what it does right now.
///
/// The status says what the instance *does* (`ready`, `reconnecting`, `stopped` …); the desired state says what
/// it *should* do. A graceful shutdown stops every session but leaves the desired state alone, so the next start
/// of the gateway (or another node) resumes exactly the instances that should run. Stored by its raw value.
public enum InstanceDesiredState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not stopped since: a supervisor should run it.
    case running
    /// Never started, stopped on request, logged out, or stopped by a terminal disconnect.
    case stopped
}

/// Where an instance is in its life.
public enum InstanceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created, never started.
    case created
    /// The browser is starting or WhatsApp Web is loading.
    case starting
    /// Waiting for the phone to scan a QR code.
    case awaitingQR = "awaiting_qr"
    /// Waiting for the pairing code to be entered on the phone.
    case awaitingPairingCode = "awaiting_pairing_code"
    /// Linked and syncing.
    case authenticated
    /// Linked, synced, sending and receiving.
    case ready
    /// Lost the connection; the supervisor is reconnecting.
    case reconnecting
    /// Stopped on request; the link is kept.
    case stopped
    /// The link was removed (logout on the phone or through the API); needs a new QR scan.
    case loggedOut = "logged_out"
    /// WhatsApp restricted or banned the account, or a terminal error occurred.
    case failed
}

/// How an instance chooses its proxy.
public enum ProxyPolicy: Sendable, Hashable, Codable {
    /// Direct connection.
    case none
    /// A sticky proxy from the organization's pool, re-assigned only on failure or re-pairing.
    case pool
    /// Always this proxy.
    case fixed(ProxyServerID)
}

/// The risk monitor's view of an instance.
public struct RiskState: Sendable, Hashable, Codable {
    /// 0 (calm) … 100 (about to be banned).
    public var score: Double
    /// Multiplier on the instance's send rate (1 = normal, 0.5 = half speed).
    public var throttleFactor: Double
    /// Sending is paused until this instant.
    public var pausedUntil: Date?
    public var updatedAt: Date?

    public init(score: Double = 0, throttleFactor: Double = 1, pausedUntil: Date? = nil, updatedAt: Date? = nil) {
        self.score = score
        self.throttleFactor = throttleFactor
        self.pausedUntil = pausedUntil
        self.updatedAt = updatedAt
    }
}

/// Per-instance rate-limit overrides of the three anti-ban tiers.
public struct InstanceRateLimits: Sendable, Hashable, Codable {
    public var perMinute: Int
    public var perHour: Int
    public var perDay: Int

    /// The defaults: 20 per minute, 100 per hour, 1000 per day.
    public static let standard = InstanceRateLimits(perMinute: 20, perHour: 100, perDay: 1000)

    /// The largest value any of the three may have: far beyond what an account can send unnoticed, so a larger
    /// number is a mistake (an extra zero, a unit mix-up) rather than a plan.
    public static let maximum = 1_000_000

    public init(perMinute: Int, perHour: Int, perDay: Int) {
        self.perMinute = perMinute
        self.perHour = perHour
        self.perDay = perDay
    }
}
