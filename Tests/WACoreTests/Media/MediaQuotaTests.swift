import Foundation
import Testing
import WACore

/// Storage quota arithmetic.
@Suite("Media quota")
struct MediaQuotaTests {
    @Test("uploads within the quota are allowed, with the numbers")
    func allowed() throws {
        let quota = MediaQuota(limitBytes: 1_000)
        #expect(try quota.decide(currentUsage: 400, uploadBytes: 100) == .allowed(usageAfter: 500, remainingAfter: 500))
        #expect(try quota.decide(currentUsage: 400, uploadBytes: 600) == .allowed(usageAfter: 1_000, remainingAfter: 0))
        #expect(try quota.decide(currentUsage: 1_000, uploadBytes: 0).isAllowed)
        #expect(try quota.reserve(currentUsage: 10, uploadBytes: 20) == 30)
        #expect(quota.available(currentUsage: 400) == 600)
    }

    @Test("uploads past the quota are refused, with the excess")
    func overQuota() throws {
        let quota = MediaQuota(limitBytes: 1_000)
        #expect(
            try quota.decide(currentUsage: 400, uploadBytes: 601) == .overQuota(excessBytes: 1, availableBytes: 600))
        // A plan downgrade can leave usage above the limit: nothing is free.
        #expect(
            try quota.decide(currentUsage: 1_500, uploadBytes: 1) == .overQuota(excessBytes: 501, availableBytes: 0))
        #expect(try !quota.decide(currentUsage: 1, uploadBytes: .max).isAllowed)
        let error = expectWAError(.mediaOverQuota) { try quota.reserve(currentUsage: 999, uploadBytes: 2) }
        #expect(error?.message.contains("by 1 bytes") == true)
    }

    @Test("negative numbers are invalid")
    func negatives() {
        let quota = MediaQuota(limitBytes: 1_000)
        #expect(throws: WAError.invalid("currentUsage", "usage must not be negative")) {
            try quota.decide(currentUsage: -1, uploadBytes: 1)
        }
        expectWAError(.invalidArgument) { try quota.decide(currentUsage: 0, uploadBytes: -1) }
    }

    @Test("the quota comes from the plan, or the organization's overrides")
    func fromPlan() {
        #expect(MediaQuota(limits: Plan.starter.limits).limitBytes == 1 << 30)
        #expect(MediaQuota(limits: Plan.pro.limits).limitBytes == 20 << 30)
        var limits = Plan.starter.limits
        limits.mediaStorageBytes = 7
        let organization = Organization(
            id: OrganizationID(high: 1, low: 2), name: "Acme", slug: "acme", plan: .starter, limitOverrides: limits,
            createdAt: Date(timeIntervalSince1970: 0))
        #expect(MediaQuota(organization: organization).limitBytes == 7)
    }

    @Test("deleting media lowers usage, never below zero")
    func deleting() {
        #expect(MediaQuota.usage(500, afterDeleting: 200) == 300)
        #expect(MediaQuota.usage(100, afterDeleting: 200) == 0)
        #expect(MediaQuota.usage(100, afterDeleting: -5) == 100)
    }
}
