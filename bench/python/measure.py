"""Runs a command and reports its wall time and peak resident memory (the largest of it and its children).

usage: measure.py CMD [ARGS...]   -> prints {"seconds": ..., "cpu_seconds": ..., "max_rss_mb": ..., "exit_code": ...};
the command's own output goes to stderr. cpu_seconds is the user and system time of the command and its children: on
a machine others load too, it moves less than the wall time.
"""
import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=sys.stderr).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024, "exit_code": code}))
