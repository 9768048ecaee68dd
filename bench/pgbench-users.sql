-- bench/pgbench-users.sql -- the database floor: one user by primary key,
-- the same id formula as the seed in bench/run.sh (n * 1000 + 7 in 16 hex
-- digits).  Run: pgbench -M prepared -n -c 4 -j 2 -T 10 -D nusers=N -f THIS
\set n random(1, :nusers)
SELECT id, name, status FROM users WHERE id = lpad(to_hex(:n * 1000 + 7), 16, '0');
