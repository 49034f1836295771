"""Baseline for the CSV import: a plain script with Python's standard csv and sqlite3 modules loading a products file
into an equivalent table (primary key on product_id) in one transaction, WAL with synchronous=NORMAL.

usage: import_csv.py DB FILE   -> prints the number of rows loaded
"""
import csv
import sqlite3
import sys

path, file = sys.argv[1], sys.argv[2]
con = sqlite3.connect(path, isolation_level=None)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA synchronous = NORMAL")
con.execute("""CREATE TABLE IF NOT EXISTS products (
    product_id TEXT PRIMARY KEY, product_name TEXT, product_category TEXT,
    stock_count INTEGER, low_stock_threshold INTEGER, product_price REAL) WITHOUT ROWID""")
with open(file, newline="", encoding="utf-8") as f:
    rows = csv.reader(f)
    next(rows)
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
print(con.execute("SELECT COUNT(*) FROM products").fetchone()[0])
