#!/bin/sh
# SPDX-License-Identifier: MIT
# sqlite3 under heapguard on a generated workload: 60,000 rows over three
# tables, indexes, joins, GROUP BY, window functions, updates, deletes and
# VACUUM. Query output and exit status must match plain glibc's.
. "${top_srcdir:-.}/tests/preload/common.sh"
hg_need sqlite3 awk
cd "$HG_TMP" || exit 99

awk 'BEGIN {
	srand(42)
	print "PRAGMA cache_size = -2000;"
	print "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score REAL);"
	print "CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT, price INTEGER);"
	print "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, product INTEGER, qty INTEGER, note TEXT);"
	print "BEGIN;"
	for (i = 1; i <= 10000; i++)
		printf "INSERT INTO customer VALUES (%d, \"cust%05d\", \"city%02d\", %.3f);\n", i, i, int(rand() * 50), rand() * 100
	for (i = 1; i <= 2000; i++)
		printf "INSERT INTO product VALUES (%d, \"%s%d\", %d);\n", i, substr("abcdefghijklmnopqrstuvwxyz", 1 + int(rand() * 26), 1 + int(rand() * 10)), i, 1 + int(rand() * 10000)
	for (i = 1; i <= 48000; i++) {
		note = ""
		n = int(rand() * 8)
		for (j = 0; j < n; j++) note = note "note" int(rand() * 1000) " "
		printf "INSERT INTO orders VALUES (%d, %d, %d, %d, \"%s\");\n", i, 1 + int(rand() * 10000), 1 + int(rand() * 2000), 1 + int(rand() * 20), note
	}
	print "COMMIT;"
}' >workload.sql

cat >>workload.sql <<'SQL'
CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX orders_product ON orders(product, qty);
CREATE INDEX customer_city ON customer(city);
SELECT count(*), sum(qty), min(id), max(id) FROM orders;
SELECT c.city, count(*), sum(o.qty * p.price), round(avg(c.score), 3)
  FROM orders o JOIN customer c ON c.id = o.customer JOIN product p ON p.id = o.product
  GROUP BY c.city ORDER BY c.city;
SELECT p.title, sum(o.qty) AS total FROM product p JOIN orders o ON o.product = p.id
  GROUP BY p.id ORDER BY total DESC, p.id LIMIT 25;
SELECT customer, qty, rank() OVER (PARTITION BY customer ORDER BY qty DESC, id) AS r
  FROM orders WHERE customer < 40 ORDER BY customer, r;
SELECT group_concat(name, ',') FROM (SELECT name FROM customer WHERE score > 99 ORDER BY id);
UPDATE orders SET note = note || upper(note) WHERE qty > 15;
SELECT length(group_concat(note, '')) FROM orders;
DELETE FROM orders WHERE id % 3 = 0;
DELETE FROM customer WHERE id NOT IN (SELECT customer FROM orders);
VACUUM;
PRAGMA integrity_check;
SELECT count(*) FROM customer;
SELECT count(*), sum(qty) FROM orders;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)
  SELECT count(*), sum(x), max(length(printf('%.*c', x % 500, 'z'))) FROM n;
SELECT city, count(*) FROM customer GROUP BY city HAVING count(*) > 150 ORDER BY 2 DESC, 1;
SQL

status=0
rm -f plain.db hg.db
# A clean sqlite3 writes no report unless asked: this test reads them.
export HEAPGUARD_OPTIONS=clean_reports=1
for mode in plain hg; do
	hg_exec $mode sqlite3 -batch -bail "$mode.db" <workload.sql >"sqlite.$mode.out" 2>"sqlite.$mode.err"
	echo "exit status $?" >>"sqlite.$mode.out"
	hg_exec $mode sqlite3 -batch "$mode.db" .dump 2>>"sqlite.$mode.err" | cksum >>"sqlite.$mode.out"
done
if ! grep -q '^exit status 0$' sqlite.plain.out || [ -s sqlite.plain.err ]; then
	echo "FAIL: the workload itself fails on plain glibc:"
	tail -n 5 sqlite.plain.out sqlite.plain.err
	status=1
fi
hg_check_same sqlite 0 0 || status=1
if [ -n "${HG_KEEP:-}" ]; then cp sqlite.*.out "$HG_KEEP"/; fi
hg_check_reports || status=1
exit $status
