import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Instance {
    init(_ instance: WACore.Instance) {
        self.init(
            id: instance.id.description, name: instance.name, status: .init(instance.status),
            desiredState: instance.desiredState == .running ? .running : .stopped,
            phone: instance.phone?.e164, jid: instance.jid?.description,
            proxyPolicy: .init(instance.proxyPolicy), sendLimits: instance.rateLimits.map { .init($0) },
            callPolicy: (instance.callPolicy ?? .ignore) == .reject ? .reject : .ignore,
            risk: .init(
                score: instance.risk.score, throttleFactor: instance.risk.throttleFactor,
                pausedUntil: instance.risk.pausedUntil),
            linkedAt: instance.linkedAt, createdAt: instance.createdAt, updatedAt: instance.updatedAt,
            version: instance.version)
    }
}

extension Components.Schemas.InstanceStatus {
    init(_ status: WACore.InstanceStatus) {
        switch status {
        case .created: self = .created
        case .starting: self = .starting
        case .awaitingQR: self = .awaitingQr
        case .awaitingPairingCode: self = .awaitingPairingCode
        case .authenticated: self = .authenticated
        case .ready: self = .ready
        case .reconnecting: self = .reconnecting
        case .stopped: self = .stopped
        case .loggedOut: self = .loggedOut
        case .failed: self = .failed
        }
    }

    var core: WACore.InstanceStatus {
        switch self {
        case .created: .created
        case .starting: .starting
        case .awaitingQr: .awaitingQR
        case .awaitingPairingCode: .awaitingPairingCode
        case .authenticated: .authenticated
        case .ready: .ready
        case .reconnecting: .reconnecting
        case .stopped: .stopped
        case .loggedOut: .loggedOut
        case .failed: .failed
        }
    }
}

extension Components.Schemas.ProxyPolicy {
    init(_ policy: WACore.ProxyPolicy) {
        switch policy {
        case .none: self.init(mode: Components.Schemas.ProxyPolicy.ModePayload.none)
        case .pool: self.init(mode: .pool)
        case .fixed(let id): self.init(mode: .fixed, proxyId: id.description)
        }
    }

    /// The policy in WACore's terms; `proxy_id` is required with `fixed` and refused otherwise.
    func core(field: String) throws -> WACore.ProxyPolicy {
        switch mode {
        case Components.Schemas.ProxyPolicy.ModePayload.none, .pool:
            guard proxyId == nil else {
                throw WAError.invalid("\(field).proxy_id", "proxy_id goes only with mode fixed")
            }
            return mode == .pool ? .pool : .none
        case .fixed:
            guard let proxyId else { throw WAError.invalid("\(field).proxy_id", "mode fixed needs a proxy_id") }
            return .fixed(try APIInput.id(proxyId, field: "\(field).proxy_id"))
        }
    }
}

extension Components.Schemas.SendLimits {
    init(_ limits: InstanceRateLimits) {
        self.init(perMinute: limits.perMinute, perHour: limits.perHour, perDay: limits.perDay)
    }

    var core: InstanceRateLimits { InstanceRateLimits(perMinute: perMinute, perHour: perHour, perDay: perDay) }
}

extension Components.Schemas.LinkCode {
    init(_ code: LinkCode) {
        self.init(
            kind: code.kind == .qrCode ? .qrCode : .pairingCode, value: code.value, issuedAt: code.issuedAt,
            expiresAt: code.expiresAt)
    }
}

extension Components.Schemas.InstanceStatusReport {
    init(_ report: InstanceStatusReport) {
        self.init(
            instance: .init(report.instance), runningOn: report.runningOn, runningHere: report.isRunningHere,
            linkCode: report.linkCode.map { .init($0) }, sendLimits: .init(report.sendLimits.effective))
    }
}
