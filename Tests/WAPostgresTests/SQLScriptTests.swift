import Testing
@testable import WAPostgres

@Suite struct SQLScriptTests {
    private func split(_ sql: String) throws -> [SQLScript.Statement] { try SQLScript(sql).statements }

    @Test func splitsAtTopLevelSemicolons() throws {
        let statements = try split(
            """
            -- a comment; not a statement
            CREATE TABLE t (a text);

            INSERT INTO t VALUES ('x;y'), ('it''s; fine');  /* a comment; also none */
            SELECT 1
            """)
        #expect(statements.map(\.text) == [
            "CREATE TABLE t (a text)", "INSERT INTO t VALUES ('x;y'), ('it''s; fine')", "SELECT 1",
        ])
        #expect(statements.map(\.line) == [2, 4, 5])
    }

    @Test func keepsDollarQuotedBodiesWhole() throws {
        let body = """
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'r') THEN
                    CREATE ROLE r;
                END IF;
            END
            $$
            """
        let function = """
            CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$
            BEGIN
                RETURN $$inner; quoted$$ || ';';
            END
            $fn$
            """
        let statements = try split(body + ";\n" + function + ";\nSELECT $1::int;")
        #expect(statements.map(\.text) == [body, function, "SELECT $1::int"])
        #expect(statements.map(\.line) == [1, 8, 13])
    }

    @Test func quotedIdentifiersEscapeStringsAndNestedComments() throws {
        let statements = try split(
            #"""
            CREATE TABLE "semi;colon" ("a""b;" int);
            SELECT E'it\'s; here', e'\\';
            /* outer /* inner; */ still a comment; */ SELECT 2;
            SELECT a$b FROM x$;
            """#)
        #expect(statements.map(\.text) == [
            #"CREATE TABLE "semi;colon" ("a""b;" int)"#, #"SELECT E'it\'s; here', e'\\'"#, "SELECT 2",
            "SELECT a$b FROM x$",
        ])
    }

    @Test func aStringThatMerelyEndsInEIsAStandardString() throws {
        // `type 'literal'` is a standard string: the backslash escapes nothing.
        let statements = try split(#"SELECT name 'a\'; SELECT 3"#)
        #expect(statements.map(\.text) == [#"SELECT name 'a\'"#, "SELECT 3"])
    }

    @Test func emptyStatementsAndCommentOnlyScriptsYieldNothing() throws {
        #expect(try split("").isEmpty)
        #expect(try split(" ;; -- nothing\n/* nothing */ ;").isEmpty)
    }

    @Test func positionsMapToScriptLines() throws {
        let statement = try #require(try split("\n\nSELECT\n  1,\n  nope;").first)
        #expect(statement.line == 3)
        #expect(statement.line(ofPosition: 1) == 3)
        #expect(statement.line(ofPosition: 18) == 5)
    }

    @Test(arguments: [
        ("BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;", 1, "transaction control (BEGIN)"),
        ("CREATE TABLE t (a int);\ncommit;", 2, "transaction control (COMMIT)"),
        ("START TRANSACTION;", 1, "transaction control (START)"),
        ("SELECT 1;\nROLLBACK;", 2, "transaction control (ROLLBACK)"),
        ("SELECT 'open;\n", 1, "unterminated string"),
        ("SELECT \"open;", 1, "unterminated quoted identifier"),
        ("SELECT 1;\nDO $body$ BEGIN END $$;", 2, "unterminated dollar-quoted string $body$"),
        ("/* /* */ SELECT 1;", 1, "unterminated /* comment"),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1; END;", 2, "BEGIN ATOMIC"),
    ])
    func refuses(_ sql: String, line: Int, reason: String) {
        let problem = #expect(throws: SQLScript.Problem.self) { try SQLScript(sql) }
        #expect(problem?.line == line)
        #expect(problem?.reason.contains(reason) == true, "\(problem?.reason ?? "-")")
    }

    @Test func savepointsAreAllowed() throws {
        let statements = try split("SAVEPOINT s; SELECT 1; ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s;")
        #expect(statements.count == 4)
    }
}
