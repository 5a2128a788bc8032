-- The send admission's one statement (PostgresRateLimitStore's compare-and-swap, migration 0003), as the
-- adapter sends it: each client its own three keys (-D primaryN, secondaryN, statesN, expiresN, nowN for client N,
-- from the states the adapter left), each state passed as both the expected and the new one, so every call
-- matches, locks and writes its three rows. WAPostgresBenchmarks passes the variables.
\if :client_id = 0
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary0, :secondary0, :known, :states0, :states0, :expires0, :now0);
\elif :client_id = 1
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary1, :secondary1, :known, :states1, :states1, :expires1, :now1);
\elif :client_id = 2
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary2, :secondary2, :known, :states2, :states2, :expires2, :now2);
\elif :client_id = 3
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary3, :secondary3, :known, :states3, :states3, :expires3, :now3);
\elif :client_id = 4
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary4, :secondary4, :known, :states4, :states4, :expires4, :now4);
\elif :client_id = 5
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary5, :secondary5, :known, :states5, :states5, :expires5, :now5);
\elif :client_id = 6
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary6, :secondary6, :known, :states6, :states6, :expires6, :now6);
\elif :client_id = 7
SELECT swapped FROM rate_limit_swap(:scopes::integer[], :primary7, :secondary7, :known, :states7, :states7, :expires7, :now7);
\endif
