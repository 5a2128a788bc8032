import Foundation

extension Page {
    /// Chooses `files` (paths readable by the browser, which runs on this machine) in the first
    /// `<input type=file>` matching the CSS `selector`, as a person picking them in the file dialog would: the
    /// input's `files` hold them and it fires `input` and `change`. An empty list clears the choice.
    ///
    /// The paths are the browser's (it may run on another machine when attached over WebSocket), and Chromium does
    /// not check them: a path it cannot read reaches the page as an empty file. Check them first when the browser
    /// runs here.
    ///
    /// - Throws: ``CDPError/evaluation(message:line:column:)`` when no element matches or it is not a file input.
    public func setInputFiles(_ files: [String], selector: String) async throws {
        let selectorJSON = String(decoding: try JSONEncoder().encode([selector]), as: UTF8.self)
        let expression = """
            (() => {
              const element = document.querySelector(\(selectorJSON)[0]);
              if (!(element instanceof HTMLInputElement) || element.type !== 'file') {
                throw new Error('no file input matches ' + \(selectorJSON)[0]);
              }
              if (\(files.isEmpty)) {
                // DOM.setFileInputFiles ignores an empty list: clear the choice as the page would see it cleared.
                element.value = '';
                element.dispatchEvent(new Event('input', { bubbles: true }));
                element.dispatchEvent(new Event('change', { bubbles: true }));
                return null;
              }
              return element;
            })()
            """
        let found = try await connection.send(
            method: CDP.Runtime.Evaluate.method,
            params: CDP.Runtime.Evaluate(expression: expression, returnByValue: false, awaitPromise: false),
            session: session, as: ObjectOutcome.self)
        if let exception = found.exceptionDetails {
            throw CDPError.evaluation(
                message: exception.exception?.description ?? exception.text, line: exception.lineNumber,
                column: exception.columnNumber)
        }
        if files.isEmpty { return }
        guard let objectID = found.result?.objectId else {
            throw CDPError.malformedResponse(method: CDP.Runtime.Evaluate.method, detail: "the input came back without an object id")
        }
        do {
            _ = try await send(CDP.DOM.SetFileInputFiles(files: files, objectId: objectID))
        } catch {
            _ = try? await send(CDP.Runtime.ReleaseObject(objectId: objectID))
            throw error
        }
        _ = try? await send(CDP.Runtime.ReleaseObject(objectId: objectID))
    }
}

/// What `Runtime.evaluate` answers when the result is returned by reference.
private struct ObjectOutcome: Decodable, Sendable {
    var result: CDP.Runtime.RemoteObject?
    var exceptionDetails: CDP.Runtime.ExceptionDetails?
}
