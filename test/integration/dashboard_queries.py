#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Runs a real Prometheus scraping the service's metrics endpoint and checks that every
query of the Grafana dashboard returns data. Run inside the service's network namespace
(the quickstart's QUICKSTART_WHILE_RUNNING hook does that).

Usage: dashboard_queries.py DASHBOARD_JSON METRICS_HOST:PORT
Grafana's variables are given the values a dashboard would have: $instance matches every
instance, $__rate_interval is 15 s (four scrapes at the 1 s interval used here)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PROM_ADDR = "127.0.0.1:19090"  # a port of its own inside the lab's namespace
SCRAPE_S = 1
WARMUP_S = 12  # enough samples for rate() over 15 s windows


def query(expr):
    url = f"http://{PROM_ADDR}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {body}")
    return body["data"]["result"]


def main():
    dashboard_path, target = sys.argv[1], sys.argv[2]
    dashboard = json.load(open(dashboard_path))
    work = tempfile.mkdtemp(prefix="xg-prometheus-")
    prom = None
    try:
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global:\n  scrape_interval: {SCRAPE_S}s\n  evaluation_interval: {SCRAPE_S}s\n"
                    f"scrape_configs:\n  - job_name: xdpguard\n    static_configs:\n"
                    f"      - targets: ['{target}']\n")
        log = open(os.path.join(work, "prometheus.log"), "w")
        prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                 f"--storage.tsdb.path={work}/data", f"--web.listen-address={PROM_ADDR}"],
                                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:  # up once Prometheus answers and has scraped the service
            try:
                if any(r["value"][1] == "1" for r in query('up{job="xdpguard"}')):
                    break
            except OSError:
                pass
            if prom.poll() is not None or time.time() > deadline:
                print(open(os.path.join(work, "prometheus.log")).read()[-3000:])
                print("FAIL: Prometheus did not scrape the service")
                return 1
            time.sleep(0.5)
        time.sleep(WARMUP_S)
        failed, checked = [], 0
        for panel in dashboard["panels"]:
            for t in panel.get("targets", []):
                expr = t["expr"].replace("$instance", ".*").replace("$__rate_interval", "15s")
                result = query(expr)
                checked += 1
                print(f"  {len(result):3d} series  {panel['title']}: {t['expr']}")
                if not result:
                    failed.append(f"{panel['title']}: {t['expr']}")
        if failed:
            print("FAIL: dashboard queries without data:\n  " + "\n  ".join(failed))
            return 1
        print(f"dashboard: {checked} queries of {len(dashboard['panels'])} panels return data from a real Prometheus")
        return 0
    finally:
        if prom is not None and prom.poll() is None:
            prom.terminate()
            try:
                prom.wait(timeout=10)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
