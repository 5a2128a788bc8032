public import Foundation

/// A tenant: a company using the gateway, with its members, API keys, instances and data.
public struct Organization: Sendable, Hashable, Codable {
    public var id: OrganizationID
    /// Display name.
    public var name: String
    /// URL-safe unique handle (`acme-support`), used at sign-in.
    public var slug: String
    public var plan: Plan
    /// Per-organization limits that replace the plan's defaults (negotiated contracts).
    public var limitOverrides: PlanLimits?
    /// Bytes of media the organization stores: the sum of its ``MediaObject/byteCount``s, kept by
    /// ``MediaService`` in the same transaction as each upload and deletion and checked against
    /// ``PlanLimits/mediaStorageBytes``. Records written before the counter existed decode as 0.
    public var mediaBytesUsed: Int64
    /// Opting out by replying (keywords, confirmations); an instance may replace it (``Instance/optOut``).
    /// Records written before it existed decode as ``OptOutSettings/standard``.
    public var optOut: OptOutSettings
    public var createdAt: Date
    public var updatedAt: Date
    /// Optimistic-concurrency version, managed by the store.
    public var version: Int

    public init(
        id: OrganizationID, name: String, slug: String, plan: Plan, limitOverrides: PlanLimits? = nil,
        mediaBytesUsed: Int64 = 0, optOut: OptOutSettings = .standard, createdAt: Date, updatedAt: Date? = nil, version: Int = 0
    ) {
        self.id = id
        self.name = name
        self.slug = slug
        self.plan = plan
        self.limitOverrides = limitOverrides
        self.mediaBytesUsed = mediaBytesUsed
        self.optOut = optOut
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.version = version
    }

    /// The limits in force: overrides if set, else the plan's.
    public var limits: PlanLimits { limitOverrides ?? plan.limits }

    /// The organization is its own tenant.
    public var organizationID: OrganizationID { id }

    /// Validates a slug: 3–40 characters of `a-z`, `0-9` and inner `-`.
    public static func validateSlug(_ slug: String) throws(WAError) {
        let bytes = Array(slug.utf8)
        let ok =
            (3...40).contains(bytes.count) && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        guard ok else {
            throw WAError(.invalidArgument, "slug must be 3–40 characters of a-z, 0-9 and inner '-'", field: "slug")
        }
    }
}

extension Organization {
    enum CodingKeys: String, CodingKey {
        case id, name, slug, plan, limitOverrides, mediaBytesUsed, optOut, createdAt, updatedAt, version
    }

    /// Decodes an organization; `mediaBytesUsed` and `optOut` are optional so that records stored before they existed
    /// still load.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(OrganizationID.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        slug = try container.decode(String.self, forKey: .slug)
        plan = try container.decode(Plan.self, forKey: .plan)
        limitOverrides = try container.decodeIfPresent(PlanLimits.self, forKey: .limitOverrides)
        mediaBytesUsed = try container.decodeIfPresent(Int64.self, forKey: .mediaBytesUsed) ?? 0
        optOut = try container.decodeIfPresent(OptOutSettings.self, forKey: .optOut) ?? .standard
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        version = try container.decode(Int.self, forKey: .version)
    }
}
