import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Contact {
    init(_ contact: WACore.Contact) {
        self.init(
            id: contact.id.description, phone: contact.phone?.e164, jid: contact.jid?.description,
            lid: contact.lid?.description, name: contact.name, tags: contact.tags.sorted(),
            optedOut: contact.optedOut, optedOutAt: contact.optedOutAt,
            optOutSource: contact.optOutSource.flatMap { .init(rawValue: $0.rawValue) },
            lastInboundAt: contact.lastInboundAt, createdAt: contact.createdAt, updatedAt: contact.updatedAt,
            version: contact.version)
    }
}

extension Components.Schemas.ContactImportRowProblem {
    init(_ problem: ContactService.ImportReport.RowError) {
        self.init(line: problem.line, column: problem.column, message: problem.message)
    }
}

extension Components.Schemas.ContactImportReport {
    init(_ report: ContactService.ImportReport) {
        self.init(
            committed: report.committed, created: report.created, updated: report.updated,
            duplicates: report.duplicates, errors: report.errors.map { .init($0) },
            warnings: report.warnings.map { .init($0) })
    }
}

extension Components.Schemas.NumberCheckResult {
    init(_ check: InstanceService.NumberCheck) {
        self.init(
            phone: check.phone.e164, onWhatsapp: check.lookup != nil, jid: check.lookup?.jid.description,
            lid: check.lookup?.lid?.description, isBusiness: check.lookup?.isBusiness)
    }
}

extension JID {
    /// A JID that arrives as a string, naming the field when it does not parse.
    init(apiText text: String, field: String) throws {
        do {
            self = try JID(parsing: text)
        } catch var error {
            error.field = field
            throw error
        }
    }
}
