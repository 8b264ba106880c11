-- Least privilege for a gateway's database user. Replace `sms` with the outbox's database,
-- `smsgw` and the host pattern with the gateway's account. Run as an administrator after
-- `smsgw db init` / `smsgw db migrate` (which need ALTER and CREATE, and are run by an
-- administrator, not by the gateway).
--
-- The sync reads and updates outbox rows (claims, status, leases), records received SMS and
-- events, and nothing else: it cannot delete rows, change the schema or read other tables.
CREATE USER IF NOT EXISTS 'smsgw'@'%' IDENTIFIED BY 'change me';
GRANT SELECT, UPDATE ON sms.outbox TO 'smsgw'@'%';
GRANT INSERT ON sms.inbox TO 'smsgw'@'%';
GRANT INSERT ON sms.events TO 'smsgw'@'%';
-- A gateway on another host must use TLS (it refuses to start without): make the server
-- insist too with
--   ALTER USER 'smsgw'@'%' REQUIRE SSL;
