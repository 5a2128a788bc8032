import Foundation
import Testing
@testable import WACore
import WACoreTesting

/// The role × permission matrix as written in Docs/Access.md: the least role holding each permission.
/// This table is the specification; `Permission.minimumRole` must agree with it for every cell.
private let matrix: [Permission: Role] = [
    .organizationRead: .viewer, .organizationManage: .admin, .organizationDelete: .admin,
    .billingRead: .manager, .billingManage: .admin,
    .membersRead: .viewer, .membersManage: .admin, .membersRemove: .admin, .rolesAssign: .admin,
    .apiKeysReadOwn: .viewer, .apiKeysManageOwn: .agent, .apiKeysManageAll: .admin,
    .instancesRead: .viewer, .instancesCreate: .manager, .instancesLink: .manager, .instancesControl: .agent,
    .instancesUpdate: .manager, .instancesDelete: .admin, .instancesAssign: .manager,
    .messagesRead: .viewer, .messagesSend: .agent,
    .contactsRead: .viewer, .contactsManage: .agent, .contactsImport: .manager, .contactsErase: .admin,
    .mediaRead: .viewer, .mediaUpload: .agent, .mediaDelete: .manager,
    .templatesRead: .viewer, .templatesManage: .manager,
    .campaignsRead: .viewer, .campaignsManage: .manager, .campaignsRun: .manager,
    .automationsRead: .viewer, .automationsManage: .manager,
    .webhooksRead: .manager, .webhooksManage: .manager, .eventsRead: .viewer,
    .analyticsRead: .viewer, .dataExport: .manager, .auditRead: .admin, .auditExport: .admin,
    .proxiesRead: .manager, .proxiesManage: .admin, .riskRead: .viewer, .riskManage: .manager,
]

private struct Cell: CustomTestStringConvertible, Sendable {
    let role: Role
    let permission: Permission
    var testDescription: String { "\(role) × \(permission)" }
}

private let allCells = Role.allCases.flatMap { role in Permission.allCases.map { Cell(role: role, permission: $0) } }

@Suite("Access policy")
struct AccessPolicyTests {
    let fixtures = Fixtures()
    let policy = AccessPolicy()

    @Test func theMatrixCoversEveryPermission() {
        #expect(Set(matrix.keys) == Set(Permission.allCases))
    }

    @Test func rolesAreNested() {
        #expect(Role.viewer.permissions.isSubset(of: Role.agent.permissions))
        #expect(Role.agent.permissions.isSubset(of: Role.manager.permissions))
        #expect(Role.manager.permissions.isSubset(of: Role.admin.permissions))
        #expect(Role.admin.permissions == Set(Permission.allCases))
        #expect(Role.viewer < .agent && Role.agent < .manager && Role.manager < .admin)
    }

    /// Every role × every permission, on the organization and on an assigned instance.
    @Test(arguments: allCells)
    fileprivate func memberDecision(_ cell: Cell) throws {
        let org = fixtures.organization()
        let instance = fixtures.instance(in: org.id)
        var member = fixtures.member(in: org.id, role: cell.role)
        member.assignedInstances = [instance.id]
        let principal = Principal.acting(as: member)
        let expected = cell.role >= matrix[cell.permission]!
        #expect(cell.permission.minimumRole == matrix[cell.permission])
        #expect(policy.decide(principal, cell.permission, on: .organization(org.id)).isAllowed == expected)
        #expect(
            policy.decide(principal, cell.permission, on: .instance(instance.id, in: org.id)).isAllowed == expected)
        if !expected {
            #expect(policy.decide(principal, cell.permission, on: .organization(org.id)) == .deny(.missingPermission))
            expectWAError(.permissionDenied) {
                try policy.require(principal, cell.permission, on: .organization(org.id))
            }
        }
    }

    /// Agents act only on instances assigned to them, for instance-scoped permissions; managers and admins reach
    /// every instance.
    @Test(arguments: allCells)
    fileprivate func instanceAssignment(_ cell: Cell) {
        let org = fixtures.organization()
        let assigned = fixtures.instance(in: org.id)
        let other = fixtures.instance(in: org.id)
        var member = fixtures.member(in: org.id, role: cell.role)
        member.assignedInstances = [assigned.id]
        let principal = Principal.acting(as: member)
        let decision = policy.decide(principal, cell.permission, on: .instance(other.id, in: org.id))
        let holds = cell.role >= matrix[cell.permission]!
        if !holds {
            #expect(decision == .deny(.missingPermission))
        } else if cell.role == .agent && cell.permission.isInstanceScoped {
            #expect(decision == .deny(.instanceNotAssigned))
        } else {
            #expect(decision == .allow)
        }
        #expect(policy.instanceRestriction(for: principal) == (cell.role == .agent ? [assigned.id] : nil))
    }

    @Test(arguments: Role.allCases)
    func anotherOrganizationIsNotFound(role: Role) {
        let mine = fixtures.organization()
        let theirs = fixtures.organization()
        let principal = Principal.acting(as: fixtures.member(in: mine.id, role: role))
        let instance = fixtures.instance(in: theirs.id)
        for permission in Permission.allCases {
            #expect(policy.decide(principal, permission, on: .organization(theirs.id)) == .deny(.otherOrganization))
            #expect(
                policy.decide(principal, permission, on: .instance(instance.id, in: theirs.id))
                    == .deny(.otherOrganization))
        }
        expectWAError(.notFound) {
            try policy.require(principal, .messagesRead, on: .organization(theirs.id))
        }
    }

    @Test(arguments: Role.allCases)
    func deactivatedMembersCanDoNothing(role: Role) {
        let org = fixtures.organization()
        var member = fixtures.member(in: org.id, role: role)
        member.isActive = false
        let principal = Principal.acting(as: member)
        #expect(principal.permissions.isEmpty)
        for permission in Permission.allCases {
            #expect(policy.decide(principal, permission, on: .organization(org.id)) == .deny(.inactive))
        }
    }

    /// An API key holds exactly scopes ∩ its creator's current role, for every role and permission.
    @Test(arguments: allCells)
    fileprivate func apiKeyScopes(_ cell: Cell) {
        let org = fixtures.organization()
        let creator = fixtures.member(in: org.id, role: cell.role)
        let scopes: Set<Permission> = [.messagesSend, .messagesRead, .auditRead]
        let key = fixtures.apiKey(in: org.id, createdBy: creator.id, scopes: scopes)
        let principal = Principal.apiKey(key, creator: creator)
        let roleHolds = cell.role >= matrix[cell.permission]!
        let decision = policy.decide(principal, cell.permission, on: .organization(org.id))
        if !roleHolds {
            #expect(decision == .deny(.missingPermission))
        } else if !scopes.contains(cell.permission) {
            #expect(decision == .deny(.outsideScope))
        } else {
            #expect(decision == .allow)
        }
        #expect(principal.permissions == scopes.intersection(cell.role.permissions))
    }

    @Test func aKeyNeverExceedsItsCreatorEvenAfterADemotion() {
        let org = fixtures.organization()
        var creator = fixtures.member(in: org.id, role: .admin)
        let key = fixtures.apiKey(in: org.id, createdBy: creator.id, scopes: [.auditRead, .messagesSend])
        #expect(policy.decide(.apiKey(key, creator: creator), .auditRead, on: .organization(org.id)) == .allow)
        creator.role = .agent
        #expect(
            policy.decide(.apiKey(key, creator: creator), .auditRead, on: .organization(org.id))
                == .deny(.missingPermission))
        #expect(policy.decide(.apiKey(key, creator: creator), .messagesSend, on: .organization(org.id)) == .allow)
        creator.isActive = false
        #expect(
            policy.decide(.apiKey(key, creator: creator), .messagesSend, on: .organization(org.id)) == .deny(.inactive))
    }

    @Test func aKeyCreatedByAnAgentIsBoundToTheAgentsInstances() {
        let org = fixtures.organization()
        let assigned = fixtures.instance(in: org.id)
        let other = fixtures.instance(in: org.id)
        var agent = fixtures.member(in: org.id, role: .agent)
        agent.assignedInstances = [assigned.id]
        let key = Principal.apiKey(fixtures.apiKey(in: org.id, createdBy: agent.id), creator: agent)
        #expect(policy.decide(key, .messagesSend, on: .instance(assigned.id, in: org.id)) == .allow)
        #expect(policy.decide(key, .messagesSend, on: .instance(other.id, in: org.id)) == .deny(.instanceNotAssigned))
    }

    @Test func aKeyPresentedWithTheWrongCreatorIsInactive() {
        let org = fixtures.organization()
        let owner = fixtures.member(in: org.id, role: .admin)
        let impostor = fixtures.member(in: org.id, role: .admin)
        let key = fixtures.apiKey(in: org.id, createdBy: owner.id)
        #expect(Principal.apiKey(key, creator: impostor).permissions.isEmpty)
    }

    @Test(arguments: Role.allCases)
    func requestedScopesMustBeASubsetOfTheCreator(role: Role) throws {
        let org = fixtures.organization()
        let creator = Principal.acting(as: fixtures.member(in: org.id, role: role))
        try policy.validateScopes(role.permissions, requestedBy: creator)
        for permission in Set(Permission.allCases).subtracting(role.permissions) {
            let error = expectWAError(.scopeExceedsCreator) {
                try policy.validateScopes([.messagesRead, permission], requestedBy: creator)
            }
            #expect(error?.message.contains(permission.rawValue) == true)
        }
        expectWAError(.invalidArgument) { try policy.validateScopes([], requestedBy: creator) }
    }

    @Test func ownPropertyNeedsTheAllPermissionWhenItIsSomeoneElses() {
        let org = fixtures.organization()
        let manager = fixtures.member(in: org.id, role: .manager)
        let admin = fixtures.member(in: org.id, role: .admin)
        let other = fixtures.member(in: org.id, role: .agent)
        #expect(
            policy.decide(.acting(as: manager), .apiKeysManageOwn, on: .ownedBy(manager.id, in: org.id)) == .allow)
        #expect(
            policy.decide(.acting(as: manager), .apiKeysManageOwn, on: .ownedBy(other.id, in: org.id))
                == .deny(.notOwner))
        #expect(policy.decide(.acting(as: admin), .apiKeysManageOwn, on: .ownedBy(other.id, in: org.id)) == .allow)
    }

    @Test func roleAssignment() throws {
        let org = fixtures.organization()
        let admin = Principal.acting(as: fixtures.member(in: org.id, role: .admin))
        let manager = Principal.acting(as: fixtures.member(in: org.id, role: .manager))
        for role in Role.allCases { try policy.validateRoleAssignment(role, by: admin) }
        expectWAError(.permissionDenied) { try policy.validateRoleAssignment(.viewer, by: manager) }
    }

    @Test func scopesParse() throws {
        #expect(try Permission.parseScopes("messages:send, messages:read") == [.messagesSend, .messagesRead])
        let error = expectWAError(.invalidArgument) { try Permission.parseScopes("messages:send everything") }
        #expect(error?.field == "scopes")
    }
}
