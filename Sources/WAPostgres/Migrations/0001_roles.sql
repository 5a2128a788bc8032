-- The two database roles the storage adapter switches to. Neither can log in (NOLOGIN): the gateway connects as
-- the owner of the database (the user that runs these migrations) and switches role inside its transactions.
--
--   wa_app     the application role. Every tenant-scoped transaction runs `SET LOCAL ROLE wa_app` and sets
--              app.organization_id, so that row-level security limits it to that one organization's rows.
--   wa_system  the system scope: work that spans organizations (the job queue, leases, upkeep).
--
-- Roles belong to the whole cluster, not to one database, and several databases may share a cluster (the tests
-- create one database per test, concurrently; the migrator's advisory lock is per database). So each role and
-- each membership is created only when the catalog does not have it yet, and losing the race to another
-- database's migration that creates it at the same moment (a unique violation on the shared catalog) is fine.
-- Both roles are granted to current_user, the owner that connects, so that it may SET ROLE to them. Creating
-- roles needs the CREATEROLE attribute (or a superuser).

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['wa_app', 'wa_system'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created by a migration of another database of this cluster meanwhile
            END;
        END IF;
        IF NOT EXISTS (
            SELECT FROM pg_catalog.pg_auth_members
            WHERE roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = role_name)
              AND member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
        ) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', role_name, current_user);
            EXCEPTION WHEN unique_violation THEN
                NULL; -- granted by a migration of another database of this cluster meanwhile
            END;
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO wa_app, wa_system;
