"""Runs a command and reports its wall time and peak resident memory (the largest of it and its children).

usage: measure.py CMD [ARGS...]   -> prints {"seconds": ..., "max_rss_mb": ..., "exit_code": ...}; the command's own
output goes to stderr
"""
import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=sys.stderr).returncode
seconds = time.perf_counter() - start
rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "max_rss_mb": rss_kb / 1024, "exit_code": code}))
