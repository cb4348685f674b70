"""Helpers of the load check: wait for a server to answer, and a small Python load generator used
when wrk cannot be installed (keep-alive connections in threads; same figures as the wrk script)."""
from __future__ import annotations

import http.client
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll `url` until it answers 200; fail if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server exited with code {process.returncode} (see its log).")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s.")


def python_load(url: str, cookie: str, seconds: int, connections: int) -> dict:
    """Keep `connections` keep-alive connections busy for `seconds`; requests/s, p50/p99 ms, non-2xx."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    latencies: list[float] = []
    counters = {"non2xx": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, non2xx, errors = [], 0, 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    non2xx += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            counters["non2xx"] += non2xx
            counters["errors"] += errors

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {"rps": len(latencies) / elapsed, "p50": cuts[49], "p99": cuts[98], "requests": len(latencies), **counters}
