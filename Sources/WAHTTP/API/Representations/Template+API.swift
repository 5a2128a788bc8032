import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.Template {
    init(_ template: WACore.Template) {
        self.init(
            id: template.id.description, name: template.name, body: template.body, language: template.language,
            variables: template.variables, createdAt: template.createdAt, updatedAt: template.updatedAt,
            version: template.version)
    }
}
