-- 0018-drop-two-key-attempt.sql -- the last function of 0004's two-key
-- throttle goes.  Since 0009, SIGNIN_BEGIN calls usersd_signin_attempt
-- with the /48 and the device (ten parameters); the seven-parameter
-- version was kept for a release that still called it while an upgrade
-- ran, and 0017 dropped its two siblings but missed it.  No statement
-- calls it; the service role could.

DROP FUNCTION usersd_signin_attempt(text, text, integer, integer, integer,
                                    integer, integer);
