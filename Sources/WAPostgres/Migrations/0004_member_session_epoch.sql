-- member_session_epoch: Member.sessionEpoch, the generation of a member's sign-in sessions (a session token stands
-- only while the epoch it was issued under is still the member's; TeamService moves it forward on sign-out, a
-- password change or reset, a role change and deactivation), as a typed copy of the value in `data`, so that the
-- database keeps its invariant: never negative, and never moving back, since moving it back would bring ended
-- sessions back to life. A refused update is SQLSTATE 23514 (check_violation), which the adapter reports as
-- internal_error: WACore never writes one.
--
-- Rows stored before this migration have no sessionEpoch in `data`; WACore decodes them as 0, the column's default.
ALTER TABLE members ADD COLUMN session_epoch bigint NOT NULL DEFAULT 0
    CONSTRAINT members_session_epoch_not_negative CHECK (session_epoch >= 0);

CREATE FUNCTION members_session_epoch_never_decreases() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.session_epoch < OLD.session_epoch THEN
        RAISE EXCEPTION 'a member''s session epoch never moves back (% to %)', OLD.session_epoch, NEW.session_epoch
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER members_session_epoch_never_decreases
    BEFORE UPDATE OF session_epoch ON members
    FOR EACH ROW EXECUTE FUNCTION members_session_epoch_never_decreases();
