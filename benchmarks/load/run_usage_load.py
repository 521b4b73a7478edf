"""Load test of the screen-time routes with wrk: a real server, PostgreSQL, Redis.

    .venv/bin/python benchmarks/load/run_usage_load.py                  # both scenarios
    .venv/bin/python benchmarks/load/run_usage_load.py --scenario status --duration 10
    .venv/bin/python benchmarks/load/run_usage_load.py --scenario status --rate 3000  # paced

Scenarios (each on a fresh PostgreSQL database ``salama_load_<random>``, dropped afterwards, and
``salama serve`` with ``SALAMA_REDIS_URL`` set and the key rate limit high enough never to
refuse, though still paid for; ``--rate-limit 0`` turns the limiter off to measure without it):

- ``status``: ``GET /v1/usage/<user>/status`` over ``--users`` users (teens in
  Africa/Casablanca), each with an hour of minute heartbeats from two devices stored first, so
  every status has real intervals to count. Closed loop, ``-c`` connections. Targets:
  >= 3,000 requests/s and p99 <= 15 ms.
- ``ingest``: ``POST /v1/usage/heartbeats`` in batches of ``--batch`` (50) heartbeats, every one
  new (unique keys; a batch is one device of one user flushing its buffer), spread over the
  users. Each body is sent once; the run stops when they are used up or at ``--duration``.
  Target: >= 5,000 heartbeats/s stored (counted from the answers' ``accepted``).

Uses the helpers of ``run_load.py`` (server start, tenant, PostgreSQL database). The numbers go
to ``benchmarks/results/usage-load-<date>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_load

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
LUA = Path(__file__).resolve().with_name("usage.lua")
HIGH_LIMIT = 100_000_000


def _cpu_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine (server, wrk, Redis, PostgreSQL) from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _post(base: str, key: str, path: str, body: dict[str, Any], method: str = "POST") -> Any:
    req = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def _beats(user: str, device: str, start: dt.datetime, n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user,
            "device_id": device,
            "ts": (start + dt.timedelta(seconds=60 * i)).isoformat(),
            "foreground": True,
            "key": f"{tag}-{i}",
        }
        for i in range(n)
    ]


def seed_users(base: str, key: str, users: int) -> None:
    now = dt.datetime.now(dt.UTC)
    for u in range(users):
        user = f"u{u}"
        _post(
            base,
            key,
            f"/v1/users/{user}",
            {"age_band": "teen_13_15", "timezone": "Africa/Casablanca"},
            "PUT",
        )
        start = now - dt.timedelta(minutes=70)
        for device in ("phone", "tablet"):
            items = _beats(user, device, start, 60, f"seed-{device}")
            _post(base, key, "/v1/usage/heartbeats", {"heartbeats": items})


def run_wrk(
    base: str,
    requests: Path,
    key: str,
    *,
    threads: int,
    connections: int,
    duration: int,
    cycle: bool,
    rate: int = 0,
) -> dict[str, Any]:
    result, command, _ = run_load.wrk_script(
        LUA,
        base,
        {"LOAD_REQUESTS": str(requests), "LOAD_KEY": key, "LOAD_CYCLE": "1" if cycle else "0"},
        threads=threads,
        connections=connections,
        duration=duration,
        rate=rate,
    )
    result["rps"] = round(result["requests"] / result["duration_s"], 1)
    result["heartbeats_per_s"] = round(result["accepted"] / result["duration_s"], 1)
    shown = " ".join([*command[:-3], "benchmarks/load/usage.lua", base])
    result["command"] = f"LOAD_RATE={rate} {shown}" if rate else shown
    result["rate"] = rate or None
    return result


def scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with run_load.postgres_database(args.pg_admin_url) as url:
        env = dict(os.environ)
        env.update(
            SALAMA_DATABASE_URL=url,
            SALAMA_REDIS_URL=args.redis_url,
            SALAMA_RATE_LIMIT_PER_MINUTE=str(args.rate_limit),
            SALAMA_LOG_LEVEL="warning",
        )
        tenant = run_load.create_tenant(env)
        key = (
            tenant.get("app_key")
            or tenant.get("key")
            or next(v for v in tenant.values() if isinstance(v, str) and v.startswith("slm_"))
        )
        port = run_load.free_port()
        with run_load.serve(env, args.workers, port) as (base, _info):
            seed_users(base, key, args.users)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "requests.tsv"
                if name == "status":
                    lines = [f"GET\t/v1/usage/u{i % args.users}/status\t" for i in range(1000)]
                    cycle = True
                else:
                    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
                    lines = []
                    for b in range(args.bodies):
                        user = f"u{b % args.users}"
                        items = _beats(user, f"dev{b}", start, args.batch, f"load{b}")
                        lines.append(
                            "POST\t/v1/usage/heartbeats\t"
                            + json.dumps({"heartbeats": items}, separators=(",", ":"))
                        )
                    cycle = False
                path.write_text("\n".join(lines) + "\n")
                # warm up (not for ingest: its bodies are used once)
                if name == "status":
                    run_wrk(base, path, key, threads=1, connections=8, duration=3, cycle=True)
                cpu0, t0 = _cpu_busy_seconds(), time.monotonic()
                result = run_wrk(
                    base,
                    path,
                    key,
                    threads=args.threads,
                    connections=args.connections,
                    duration=args.duration,
                    cycle=cycle,
                    rate=args.rate if name == "status" else 0,
                )
                wall = time.monotonic() - t0
                result["machine_cpu_busy_cores"] = round((_cpu_busy_seconds() - cpu0) / wall, 2)
        result.update(
            scenario=name,
            database="postgresql",
            redis=True,
            workers=args.workers,
            rate_limit_per_minute=args.rate_limit,
            users=args.users,
            batch=args.batch if name == "ingest" else None,
            paced_rps=args.rate if name == "status" and args.rate else None,
        )
        return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scenario", choices=["status", "ingest", "all"], default="all")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument(
        "--rate",
        type=int,
        default=0,
        help="status only: hold this many requests/s (paced, as wrk2 does) instead of a closed "
        "loop, to read the latency at that load (the target: 3000)",
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--bodies", type=int, default=4000)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=HIGH_LIMIT,
        help="SALAMA_RATE_LIMIT_PER_MINUTE: high enough never to refuse (the default), so the "
        "limiter's cost is measured; 0 turns the limiter off, to measure without it",
    )
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get(
            "SALAMA_LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("SALAMA_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args(argv)
    names = ["status", "ingest"] if args.scenario == "all" else [args.scenario]
    runs = []
    for name in names:
        r = scenario(name, args)
        print(
            f"{name}: {r['rps']} req/s, {r['heartbeats_per_s']} heartbeats/s, "
            f"p50 {r['latency_ms']['50']} ms, p99 {r['latency_ms']['99']} ms, "
            f"statuses {r['statuses']}, machine CPU busy {r['machine_cpu_busy_cores']} cores"
        )
        runs.append(r)
    out = {
        "date": dt.date.today().isoformat(),
        "machine": run_load.machine(),
        "targets": {"status_rps": 3000, "status_p99_ms": 15, "ingest_heartbeats_per_s": 5000},
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"usage-load-{out['date']}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
