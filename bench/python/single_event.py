"""Baseline for the single-event path: a plain Python script doing what StockWatch's store does for one stock
movement, with the standard sqlite3 module, on the same tables and indexes but without StockWatch's triggers: in one
immediate transaction read the product, write the new stock with the next version, and append the change record
(the old image as JSON, time, cause; the new image is the product row, as StockWatch's schema 8 has it) itself.

With THREADS > 1, each thread has its own connection and takes its share of the events, as a threaded script would.

usage: single_event.py DB EVENTS WARMUP THREADS  -> prints one JSON object
"""
import json
import sqlite3
import sys
import threading
import time
from datetime import datetime, timezone

path, events, warmup, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def connect():
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout = 30000")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA wal_autocheckpoint = 0")
    return con


ids = [row[0] for row in connect().execute("SELECT product_id FROM products ORDER BY product_id")]
columns = ["product_id", "product_name", "product_category", "stock_count", "product_price_e4",
           "low_stock_threshold", "version", "updated_at"]

select = f"SELECT {', '.join(columns)} FROM products WHERE product_id = ?"
update = "UPDATE products SET stock_count = ?, version = ?, updated_at = ? WHERE product_id = ?"
append = """INSERT INTO changes (product_id, kind, old_image, changed_at, cause, sales_mark)
    VALUES (?, 'MODIFY', ?, ?, 'bench', (SELECT IFNULL(MAX(rowid), 0) FROM sales))"""


def one(con, i):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    product_id = ids[i % len(ids)]
    con.execute("BEGIN IMMEDIATE")
    old = dict(zip(columns, con.execute(select, (product_id,)).fetchone()))
    new = dict(old, stock_count=old["stock_count"] + (-1 if i % 2 == 0 else 1), version=old["version"] + 1, updated_at=now)
    if new["stock_count"] < 0:
        con.execute("ROLLBACK")
        raise SystemExit("stock would go below 0")
    con.execute(update, (new["stock_count"], new["version"], now, product_id))
    con.execute(append, (product_id, json.dumps(old), now))
    con.execute("COMMIT")


warm = connect()
for i in range(warmup):
    one(warm, i)

latencies = []


def worker(offset):
    con, mine = connect(), []
    for i in range(warmup + offset, warmup + events, threads):
        t0 = time.perf_counter_ns()
        one(con, i)
        mine.append(time.perf_counter_ns() - t0)
    latencies.extend(mine)


start = time.perf_counter()
workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
elapsed = time.perf_counter() - start
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] / 1000.0


print(json.dumps({"events": events, "seconds": elapsed, "per_second": events / elapsed,
                  "p50_us": pct(0.50), "p99_us": pct(0.99), "p999_us": pct(0.999)}))
