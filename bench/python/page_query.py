"""Times one page of the catalogue read with Python's sqlite3: the bare query a page needs, nothing else.

usage: page_query.py DB RUNS SQL   -> prints the median seconds of RUNS executions (rows fetched), after a warm-up
"""
import sqlite3
import statistics
import sys
import time

db, runs, sql = sys.argv[1], int(sys.argv[2]), sys.argv[3]
connection = sqlite3.connect(db)
connection.execute(sql).fetchall()
times = []
for _ in range(runs):
    start = time.perf_counter()
    connection.execute(sql).fetchall()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
