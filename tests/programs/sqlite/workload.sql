-- The SQLite workload of Stardust's posix tests: tables, 10,000 rows inserted in ten
-- transactions, an index, joins, aggregates, an update and a delete in a transaction that is
-- rolled back, and the integrity check. Every result is deterministic (the host's run is the
-- oracle; the database file the VM wrote is then checked on the host with Debian's sqlite3).
PRAGMA journal_mode = DELETE;
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customers(id),
                     amount INTEGER NOT NULL, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO customers (id, name, city)
SELECT i, 'customer ' || i, CASE i % 4 WHEN 0 THEN 'Oslo' WHEN 1 THEN 'Lima' WHEN 2 THEN 'Pune' ELSE 'Kyiv' END FROM n;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 1) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 2) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 3) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 4) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 5) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 6) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 7) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 8) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 9) FROM n; COMMIT;
BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO orders (customer, amount, note) SELECT (i * 37) % 100 + 1, (i * 7919) % 1000, printf('order %d of batch %d', i, 10) FROM n; COMMIT;
CREATE INDEX orders_by_customer ON orders (customer, amount);
SELECT 'rows', (SELECT count(*) FROM customers), (SELECT count(*) FROM orders);
SELECT c.city, count(*), sum(o.amount), min(o.amount), max(o.amount)
  FROM orders o JOIN customers c ON c.id = o.customer GROUP BY c.city ORDER BY c.city;
SELECT c.name, sum(o.amount) AS total FROM customers c JOIN orders o ON o.customer = c.id
  GROUP BY c.id ORDER BY total DESC, c.id LIMIT 3;
SELECT customer, amount FROM orders WHERE customer = 42 ORDER BY amount DESC, id LIMIT 3;
SELECT printf('%.2f', avg(amount)), total(amount) FROM orders;
BEGIN;
UPDATE orders SET amount = 0;
DELETE FROM customers WHERE city = 'Oslo';
ROLLBACK;
SELECT 'after rollback', sum(amount), (SELECT count(*) FROM customers) FROM orders;
UPDATE customers SET city = 'Bergen' WHERE id = 1;
SELECT name, city FROM customers WHERE id = 1;
PRAGMA integrity_check;
