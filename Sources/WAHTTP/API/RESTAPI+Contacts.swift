import OpenAPIRuntime
import WACore
import WAOpenAPI

extension RESTAPI {
    func listContacts(_ input: Operations.ListContacts.Input) async throws -> Operations.ListContacts.Output {
        let principal = try RequestPrincipal.require()
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor, order: query.order?.rawValue)
        let filter = Contact.Filter(tag: query.tag?.lowercased(), optedOut: query.optedOut, search: query.search)
        let result = try await gateway.contacts.list(by: principal, where: filter, page: page)
        return .ok(
            .init(body: .json(.init(items: result.items.map { .init($0) }, nextCursor: result.nextCursor?.description))))
    }

    func createContact(_ input: Operations.CreateContact.Input) async throws -> Operations.CreateContact.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let contact = try await gateway.contacts.create(
            phone: try body.phone.map { try APIInput.phone($0, field: "phone") },
            jid: try body.jid.map { try JID(apiText: $0, field: "jid") }, name: body.name,
            tags: Set(body.tags ?? []), by: principal)
        return .created(.init(body: .json(.init(contact))))
    }

    func importContacts(_ input: Operations.ImportContacts.Input) async throws -> Operations.ImportContacts.Output {
        let principal = try RequestPrincipal.require()
        guard case .csv(let body) = input.body else { throw APIInput.unsupportedBody }
        // The body limit middleware has bounded the body already.
        let text = try await String(collecting: body, upTo: .max)
        let query = input.query
        let report = try await gateway.contacts.importCSV(
            text, defaultRegion: query.defaultRegion, skipInvalidRows: query.skipInvalidRows ?? false,
            numberValidation: query.numberValidation == .possible ? .possible : .valid, by: principal)
        return .ok(.init(body: .json(.init(report))))
    }

    func getContact(_ input: Operations.GetContact.Input) async throws -> Operations.GetContact.Output {
        let principal = try RequestPrincipal.require()
        let id: ContactID = try APIInput.id(input.path.contactId, field: "contact_id")
        return .ok(.init(body: .json(.init(try await gateway.contacts.get(id, by: principal)))))
    }

    func updateContact(_ input: Operations.UpdateContact.Input) async throws -> Operations.UpdateContact.Output {
        let principal = try RequestPrincipal.require()
        let id: ContactID = try APIInput.id(input.path.contactId, field: "contact_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let contact = try await gateway.contacts.update(
            id, name: body.name.map { .some($0) }, tags: body.tags.map { Set($0) }, by: principal)
        return .ok(.init(body: .json(.init(contact))))
    }

    func deleteContact(_ input: Operations.DeleteContact.Input) async throws -> Operations.DeleteContact.Output {
        let principal = try RequestPrincipal.require()
        let id: ContactID = try APIInput.id(input.path.contactId, field: "contact_id")
        try await gateway.contacts.delete(id, by: principal)
        return .noContent(.init())
    }

    func tagContact(_ input: Operations.TagContact.Input) async throws -> Operations.TagContact.Output {
        let principal = try RequestPrincipal.require()
        let id: ContactID = try APIInput.id(input.path.contactId, field: "contact_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let (add, remove) = (Set(body.add ?? []), Set(body.remove ?? []))
        guard !add.isEmpty || !remove.isEmpty else { throw WAError.invalid("add", "give tags to add or to remove") }
        let contact = try await gateway.contacts.tag(id, adding: add, removing: remove, by: principal)
        return .ok(.init(body: .json(.init(contact))))
    }

    func setContactOptOut(_ input: Operations.SetContactOptOut.Input) async throws
        -> Operations.SetContactOptOut.Output
    {
        let principal = try RequestPrincipal.require()
        let id: ContactID = try APIInput.id(input.path.contactId, field: "contact_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        return .ok(.init(body: .json(.init(try await gateway.contacts.setOptedOut(body.optedOut, id, by: principal)))))
    }

    func checkNumbers(_ input: Operations.CheckNumbers.Input) async throws -> Operations.CheckNumbers.Output {
        let principal = try RequestPrincipal.require()
        let id: InstanceID = try APIInput.id(input.path.instanceId, field: "instance_id")
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let phones = try body.phones.enumerated().map { index, text in
            try APIInput.phone(text, field: "phones[\(index)]")
        }
        let checks = try await gateway.instances.checkNumbers(phones, on: id, by: principal)
        return .ok(.init(body: .json(.init(results: checks.map { .init($0) }))))
    }
}
