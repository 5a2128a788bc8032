-- rate_limit_swap: one statement that decides nothing, but lets PostgresRateLimitStore commit a decision it made in
-- Swift from the states it last saw, if and only if they are still the stored ones (compare-and-swap).
--
-- The arguments describe n distinct keys, in the order rows are locked (scope, primary_id, secondary_id, ascending,
-- so that two calls on overlapping keys cannot deadlock). For key i:
--   known[i]            whether the caller saw its state; false makes the call swap nothing and report the states
--   expected_states[i]  the state the caller saw, or empty for none (no row, or a row expired at now_ns)
--   new_states[i]       the state to store, or empty to delete the row
--   new_expires[i]      the new state's expires_at_ns (ignored when deleting)
-- (A stored state is never empty: PostgresRateLimitStore's encoding has a version byte.)
-- Every key's row is made to exist (an expired placeholder) and locked, then compared with what the caller saw. If
-- every key matches, the new states are written and the result is (true, NULL); otherwise nothing is written and
-- the result is (false, the current states, empty for none). The function runs as its caller (the connecting owner,
-- who owns rate_limit_states), in the caller's transaction: called on its own, it is one atomic statement.
CREATE FUNCTION rate_limit_swap(
    scopes integer[], primary_ids uuid[], secondary_ids uuid[], known boolean[], expected_states bytea[],
    new_states bytea[], new_expires bigint[], now_ns bigint
) RETURNS TABLE (swapped boolean, current_states bytea[])
LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(cardinality(scopes), 0);
    current_state bytea;
    current_expires bigint;
    seen bytea[] := array_fill(''::bytea, ARRAY[n]);
    all_match boolean := true;
BEGIN
    IF coalesce(cardinality(primary_ids), 0) <> n OR coalesce(cardinality(secondary_ids), 0) <> n
        OR coalesce(cardinality(known), 0) <> n OR coalesce(cardinality(expected_states), 0) <> n
        OR coalesce(cardinality(new_states), 0) <> n OR coalesce(cardinality(new_expires), 0) <> n THEN
        RAISE EXCEPTION 'rate_limit_swap: the argument arrays differ in length' USING ERRCODE = '22023';
    END IF;
    FOR i IN 1..n LOOP
        INSERT INTO rate_limit_states (scope, primary_id, secondary_id, state, expires_at_ns)
        VALUES (scopes[i], primary_ids[i], secondary_ids[i], ''::bytea, 0)
        ON CONFLICT DO NOTHING;
    END LOOP;
    FOR i IN 1..n LOOP
        SELECT s.state, s.expires_at_ns INTO current_state, current_expires
        FROM rate_limit_states s
        WHERE s.scope = scopes[i] AND s.primary_id = primary_ids[i] AND s.secondary_id = secondary_ids[i]
        FOR UPDATE;
        IF current_expires > now_ns THEN
            seen[i] := current_state;
        END IF;
        IF NOT known[i] OR seen[i] <> expected_states[i] THEN
            all_match := false;
        END IF;
    END LOOP;
    IF all_match THEN
        FOR i IN 1..n LOOP
            IF octet_length(new_states[i]) = 0 THEN
                DELETE FROM rate_limit_states s
                WHERE s.scope = scopes[i] AND s.primary_id = primary_ids[i] AND s.secondary_id = secondary_ids[i];
            ELSE
                UPDATE rate_limit_states s SET state = new_states[i], expires_at_ns = new_expires[i]
                WHERE s.scope = scopes[i] AND s.primary_id = primary_ids[i] AND s.secondary_id = secondary_ids[i];
            END IF;
        END LOOP;
        RETURN QUERY SELECT true, NULL::bytea[];
    ELSE
        RETURN QUERY SELECT false, seen;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION rate_limit_swap(integer[], uuid[], uuid[], boolean[], bytea[], bytea[], bigint[], bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rate_limit_swap(integer[], uuid[], uuid[], boolean[], bytea[], bytea[], bigint[], bigint) TO wa_system;
