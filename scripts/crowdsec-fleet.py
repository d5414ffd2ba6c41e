#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fleet of xdpguard services kept in step by one CrowdSec Local API, on one machine.

Each "host" is a network namespace with its own veth interface (attached by its service),
its own pin directory, state directory and bouncer key. All veths meet on a bridge in a hub
namespace, where the Local API runs offline (Debian's crowdsec package, a private config
and database, no Central API). For each pull interval, decisions are added one at a time
with `cscli decisions add` at random moments. For each decision, the script measures the
time from the start of cscli to the moment each service has written it to its maps. That
moment is the service's own log line after the map writes, with microsecond timestamps.
It prints p50/p99/max over all hosts and decisions, the Local API's CPU, and what a pull
costs a service.

Nothing leaves the namespaces it creates; all of them, the processes it started (by PID)
and the pin directories are removed at exit, even on failure.

With --scale N it measures size instead: N decisions imported before one service starts
(its first full pull), then 1,000 more (a delta). For each, it prints the pull's stages as
the service logs them: fetch (the Local API's answer), parse, and the map writes. With
--firewall-bouncer it then does the same with CrowdSec's own crowdsec-firewall-bouncer
(Debian package, nftables mode, in a namespace of its own) on the same decisions: the time
from its start until its nftables set holds them all, and the time until the 1,000 more
are in.

usage: sudo scripts/crowdsec-fleet.py [--hosts 20] [--intervals 10,1] [--decisions 10]
                                      [--scale N] [--xdpguard build/xdpguard]
"""
import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = f"xgf{os.getpid()}"
LAPI_ADDR = "10.251.0.1"
LAPI_PORT = 8080
TICKS = os.sysconf("SC_CLK_TCK")


def run(*cmd, ns=None, check=True, capture=False, cwd=None):
    if ns:
        cmd = ("nsenter", f"--net=/run/netns/{ns}") + cmd
    return subprocess.run(cmd, check=check, cwd=cwd, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE if capture else subprocess.DEVNULL)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def log_time(stamp):
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


class Fleet:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="xg-fleet-")
        self.hub = f"{TAG}-hub"
        self.hosts = [f"{TAG}-{i}" for i in range(1, args.hosts + 1)]
        self.pids = []
        self.namespaces = []
        self.pin_dirs = []
        self.lapi = None

    # --- setup -----------------------------------------------------------------------
    def network(self):
        run("ip", "netns", "add", self.hub)
        self.namespaces.append(self.hub)
        run("ip", "link", "set", "lo", "up", ns=self.hub)
        run("ip", "link", "add", "br0", "type", "bridge", ns=self.hub)
        run("ip", "addr", "add", f"{LAPI_ADDR}/16", "dev", "br0", ns=self.hub)
        run("ip", "link", "set", "br0", "up", ns=self.hub)
        for i, ns in enumerate(self.hosts, 1):
            run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            # Both ends are created inside their namespaces: nothing touches the host's.
            run("ip", "link", "add", f"hub{i}", "netns", self.hub, "type", "veth",
                "peer", "name", "xg0", "netns", ns)
            run("ip", "link", "set", f"hub{i}", "master", "br0", "up", ns=self.hub)
            run("ip", "link", "set", "lo", "up", ns=ns)
            run("ip", "addr", "add", f"10.251.1.{i}/16", "dev", "xg0", ns=ns)
            run("ip", "link", "set", "xg0", "up", ns=ns)

    def cscli(self, *a, capture=False):
        return run("cscli", "-c", f"{self.work}/cs/config.yaml", *a, ns=self.hub,
                   capture=capture, cwd=f"{self.work}/cs")

    def start_lapi(self):
        cs = f"{self.work}/cs"
        os.makedirs(f"{cs}/data")
        os.makedirs(f"{cs}/log")
        with open(f"{cs}/config.yaml", "w") as f:
            f.write(f"""common:
  daemonize: false
  log_media: file
  log_level: warning
  log_dir: {cs}/log/
  working_dir: .
config_paths:
  config_dir: {cs}/
  data_dir: {cs}/data/
  simulation_path: /etc/crowdsec/simulation.yaml
  hub_dir: /var/lib/crowdsec/hub/
  index_path: /var/lib/crowdsec/hub/.index.json
  notification_dir: /etc/crowdsec/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: /etc/crowdsec/acquis.yaml
cscli:
  output: human
db_config:
  log_level: warning
  type: sqlite
  db_path: {cs}/data/crowdsec.db
  use_wal: true
api:
  client:
    insecure_skip_verify: false
    credentials_path: {cs}/local_api_credentials.yaml
  server:
    log_level: warning
    listen_uri: {LAPI_ADDR}:{LAPI_PORT}
    profiles_path: /etc/crowdsec/profiles.yaml
    trusted_ips:
      - {LAPI_ADDR}
prometheus:
  enabled: false
""")
        self.cscli("machines", "add", "fleet", "--auto", "-f", f"{cs}/local_api_credentials.yaml")
        out = open(f"{cs}/lapi.out", "w")
        self.lapi = subprocess.Popen(["nsenter", f"--net=/run/netns/{self.hub}", "crowdsec", "-c",
                                      f"{cs}/config.yaml", "-no-cs"], cwd=cs, stdout=out, stderr=out)
        self.pids.append(self.lapi.pid)
        for _ in range(100):
            if run("bash", "-c", f"exec 3<>/dev/tcp/{LAPI_ADDR}/{LAPI_PORT}", ns=self.hub, check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("the Local API did not start")

    def keys(self):
        for i in range(1, len(self.hosts) + 1):
            key = self.cscli("bouncers", "add", f"host{i}", "-o", "raw", capture=True).stdout.strip()
            path = f"{self.work}/host{i}.key"
            with open(path, "w") as f:
                f.write(key + "\n")
            os.chmod(path, 0o600)

    # --- services --------------------------------------------------------------------
    def start_services(self, interval):
        services = []
        for i, ns in enumerate(self.hosts, 1):
            pin = f"/sys/fs/bpf/{ns}"
            if pin not in self.pin_dirs:
                self.pin_dirs.append(pin)
            cfg = f"{self.work}/host{i}.json"
            with open(cfg, "w") as f:
                json.dump({"state_dir": f"{self.work}/state{i}", "pin_dir": pin,
                           "interfaces": [{"name": "xg0", "mode": "generic"}],
                           "feeds": [{"name": "crowdsec", "format": "crowdsec",
                                      "url": f"http://{LAPI_ADDR}:{LAPI_PORT}",
                                      "api_key_file": f"{self.work}/host{i}.key",
                                      "interval": f"{interval}s"}],
                           "log": {"format": "json", "level": "info"}}, f)
            log = f"{self.work}/host{i}-{interval}s.log"
            p = subprocess.Popen(["nsenter", f"--net=/run/netns/{ns}", self.args.xdpguard, "run", "--config", cfg],
                                 stdout=subprocess.DEVNULL, stderr=open(log, "w"))
            self.pids.append(p.pid)
            services.append((p, log))
        deadline = time.time() + 60
        for p, log in services:
            while "full pull" not in open(log).read():
                if time.time() > deadline or p.poll() is not None:
                    raise RuntimeError(f"service did not make its first pull: {open(log).read()[-2000:]}")
                time.sleep(0.1)
        return services

    def stop_services(self, services):
        for p, _ in services:
            p.send_signal(signal.SIGTERM)
        for p, _ in services:
            p.wait(timeout=30)
            self.pids.remove(p.pid)

    @staticmethod
    def applied_at(log, after):
        """The time of the first map write after `after` that added an entry."""
        for line in open(log):
            try:
                j = json.loads(line.lstrip("<0123456789>"))
            except ValueError:
                continue
            if "entries applied (" in j["msg"] and "entries applied (0 added" not in j["msg"]:
                t = log_time(j["time"])
                if t >= after:
                    return t
        return None

    def measure(self, interval):
        services = self.start_services(interval)
        lapi_cpu0, svc_cpu0 = cpu_seconds(self.lapi.pid), sum(cpu_seconds(p.pid) for p, _ in services)
        wall0 = time.time()
        delays, cscli_s = [], []
        base = {10: 0, 1: 100}.get(interval, 200)
        for r in range(self.args.decisions):
            time.sleep(random.uniform(0, interval))  # a random phase against the pulls
            ip = f"203.0.113.{base + r + 1}" if base + r + 1 < 255 else f"198.51.100.{r + 1}"
            t0 = time.time()
            self.cscli("decisions", "add", "--ip", ip, "--duration", "1h")
            cscli_s.append(time.time() - t0)
            deadline = t0 + 3 * interval + 10
            pending = {log for _, log in services}
            while pending:
                for log in list(pending):
                    t = self.applied_at(log, t0)
                    if t is not None:
                        delays.append(t - t0)
                        pending.discard(log)
                if pending and time.time() > deadline:
                    raise RuntimeError(f"{len(pending)} services did not enforce {ip} within {deadline - t0:.0f} s")
                time.sleep(0.02)
        wall = time.time() - wall0
        lapi_cpu = cpu_seconds(self.lapi.pid) - lapi_cpu0
        svc_cpu = sum(cpu_seconds(p.pid) for p, _ in services) - svc_cpu0
        # Then a quiet window: pulls that bring nothing, what a fleet does most of the time.
        quiet = max(10 * interval, 20)
        q_cpu0, q_lapi0 = sum(cpu_seconds(p.pid) for p, _ in services), cpu_seconds(self.lapi.pid)
        time.sleep(quiet)
        q_cpu = sum(cpu_seconds(p.pid) for p, _ in services) - q_cpu0
        q_lapi = cpu_seconds(self.lapi.pid) - q_lapi0
        quiet_pulls = len(services) * quiet / interval
        per_quiet_pull = q_cpu / quiet_pulls
        # Each decision: one apply per service, besides the pulls of that time.
        per_apply = (svc_cpu - per_quiet_pull * len(services) * wall / interval) / len(delays)
        fetch = []
        for i in range(1, len(self.hosts) + 1):
            status = json.load(open(f"{self.work}/state{i}/feeds/crowdsec.status"))
            fetch.append(status.get("fetch_seconds", 0))
        self.stop_services(services)
        self.cscli("decisions", "delete", "--all")
        return {"interval": interval, "hosts": len(services), "decisions": self.args.decisions,
                "samples": len(delays), "p50": statistics.median(delays), "p99": pct(delays, 99),
                "max": max(delays), "cscli": statistics.median(cscli_s), "wall": wall,
                "lapi_cpu_pct": 100 * lapi_cpu / wall, "lapi_quiet_pct": 100 * q_lapi / quiet,
                "quiet_pull_ms": 1000 * per_quiet_pull, "apply_ms": 1000 * per_apply,
                "fetch_ms": 1000 * statistics.median(fetch)}

    def import_decisions(self, n, first):
        path = f"{self.work}/import-{first}.csv"
        with open(path, "w") as f:
            f.write("duration,scope,value\n")
            for i in range(first, first + n):
                # Even addresses of 11.0.0.0/8: no protected range, and no two are siblings
                # that the policy would merge into one prefix.
                a = 2 * i
                f.write(f"4h,ip,11.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}\n")
        self.cscli("decisions", "import", "-i", path)

    @staticmethod
    def apply_lines(log):
        out = []
        for line in open(log):
            try:
                j = json.loads(line.lstrip("<0123456789>"))
            except ValueError:
                continue
            if "entries applied (" in j["msg"]:
                out.append(j["msg"])
        return out

    def scale(self, n):
        self.import_decisions(n, 0)
        wall0 = time.time()
        services = self.start_services(1)  # the firewall bouncer below pulls every second too
        log = services[0][1]
        while len(self.apply_lines(log)) < 2:  # the cached copy (empty), then the full pull
            time.sleep(0.05)
        first = self.apply_lines(log)[1]
        started = time.time() - wall0
        t1 = time.time()
        self.import_decisions(1000, n)
        imported = time.time() - t1
        deadline = time.time() + 60
        while not any("(1000 added" in m for m in self.apply_lines(log)):
            if time.time() > deadline:
                raise RuntimeError(f"no delta of 1000 applied: {self.apply_lines(log)[-3:]}")
            time.sleep(0.05)
        delta = [m for m in self.apply_lines(log) if "(1000 added" in m][0]
        delta_wall = time.time() - t1
        self.stop_services(services)
        return first, delta, started, imported, delta_wall

    def firewall_bouncer(self, n):
        ns = self.hosts[0]
        key = self.cscli("bouncers", "add", "fw", "-o", "raw", capture=True).stdout.strip()
        cfg = f"{self.work}/fw.yaml"
        with open(cfg, "w") as f:
            f.write(f"""mode: nftables
pid_dir: {self.work}/
update_frequency: 1s
daemonize: false
log_mode: file
log_dir: {self.work}/
log_level: info
api_url: http://{LAPI_ADDR}:{LAPI_PORT}/
api_key: {key}
disable_ipv6: false
deny_action: DROP
deny_log: false
supported_decisions_types:
  - ban
nftables:
  ipv4:
    enabled: true
    set-only: false
    table: crowdsec
    chain: crowdsec-chain
  ipv6:
    enabled: true
    set-only: false
    table: crowdsec6
    chain: crowdsec6-chain
prometheus:
  enabled: false
""")
        os.chmod(cfg, 0o600)

        def count():
            r = run("nft", "-j", "list", "set", "ip", "crowdsec", "crowdsec-blacklists", ns=ns, check=False, capture=True)
            if r.returncode != 0:
                return 0
            for item in json.loads(r.stdout)["nftables"]:
                if "set" in item:
                    return len(item["set"].get("elem", []))
            return 0

        t0 = time.time()
        p = subprocess.Popen(["nsenter", f"--net=/run/netns/{ns}", "crowdsec-firewall-bouncer", "-c", cfg],
                             stdout=subprocess.DEVNULL, stderr=open(f"{self.work}/fw.err", "w"))
        self.pids.append(p.pid)
        while count() < n + 1000:  # the decisions of the xdpguard run, its delta included
            if time.time() - t0 > 300 or p.poll() is not None:
                raise RuntimeError(f"the firewall bouncer did not load {n} decisions: {open(self.work + '/fw.err').read()[-1000:]}")
            time.sleep(0.2)
        loaded = time.time() - t0
        t1 = time.time()
        self.import_decisions(1000, 2 * n)
        imported = time.time() - t1
        while count() < n + 2000:  # the xdpguard run's 1,000 and these
            if time.time() - t1 > 120:
                raise RuntimeError("the firewall bouncer did not take the delta")
            time.sleep(0.2)
        delta = time.time() - t1
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        self.pids.remove(p.pid)
        return loaded, imported, delta

    # --- teardown --------------------------------------------------------------------
    def cleanup(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)
        for pin in self.pin_dirs:
            shutil.rmtree(pin, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--intervals", default="10,1")
    ap.add_argument("--decisions", type=int, default=10)
    ap.add_argument("--scale", type=int, default=0)
    ap.add_argument("--firewall-bouncer", action="store_true")
    ap.add_argument("--xdpguard", default=os.path.join(ROOT, "build", "xdpguard"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("crowdsec-fleet.py: needs root (namespaces, XDP)")
    if not shutil.which("crowdsec") or not shutil.which("cscli"):
        sys.exit("crowdsec-fleet.py: crowdsec is not installed (scripts/install-deps.sh)")
    args.xdpguard = os.path.abspath(args.xdpguard)
    if args.scale:
        args.hosts = 1
    fleet = Fleet(args)
    try:
        fleet.network()
        fleet.start_lapi()
        fleet.keys()
        if args.scale:
            first, delta, started, imported, delta_wall = fleet.scale(args.scale)
            print(f"xdpguard, full pull of {args.scale} decisions: {first}")
            print(f"xdpguard, service start to enforcing them: {started:.2f} s")
            print(f"xdpguard, delta of 1000 decisions: {delta}")
            print(f"xdpguard, cscli import of 1000 started to enforced: {delta_wall:.2f} s (the import took {imported:.2f} s)")
            if args.firewall_bouncer:
                loaded, imported, fw_delta = fleet.firewall_bouncer(args.scale)
                print(f"crowdsec-firewall-bouncer (nftables), start to {args.scale + 1000} decisions in its set: {loaded:.2f} s")
                print(f"crowdsec-firewall-bouncer, cscli import of 1000 started to in its set: {fw_delta:.2f} s "
                      f"(the import took {imported:.2f} s)")
            return
        rows = [fleet.measure(int(i)) for i in args.intervals.split(",")]
    finally:
        fleet.cleanup()
    print(f"| interval | hosts | decisions x hosts | cscli ms | enforced on every host: p50 s | p99 s | max s "
          f"| Local API CPU %, decisions / quiet | service CPU per quiet pull ms | service CPU per decision applied ms "
          f"| pull (fetch) ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['interval']} s | {r['hosts']} | {r['samples']} | {1000 * r['cscli']:.0f} | {r['p50']:.2f} "
              f"| {r['p99']:.2f} | {r['max']:.2f} | {r['lapi_cpu_pct']:.1f} / {r['lapi_quiet_pct']:.1f} "
              f"| {r['quiet_pull_ms']:.2f} | {r['apply_ms']:.1f} | {r['fetch_ms']:.1f} |")


if __name__ == "__main__":
    main()
