"""Load test of ``POST /v1/check`` with wrk: a real server, a real database, real comments.

    .venv/bin/python benchmarks/load/run_load.py                       # the whole matrix
    .venv/bin/python benchmarks/load/run_load.py --db sqlite --workers 2 --duration 10
    .venv/bin/python benchmarks/load/run_load.py --rate 0              # closed loop only
    .venv/bin/python benchmarks/load/run_load.py --table benchmarks/results/load-<date>.json
    .venv/bin/python benchmarks/load/run_load.py --cpu 3000 --db sqlite   # CPU us per request

For each configuration (database x workers x rate limiter) it creates a fresh database (a SQLite
file in a temporary folder, or a PostgreSQL database ``salama_load_<random>`` created and then
dropped), creates a tenant with ``salama tenant create --json``, starts ``salama serve`` with the
rate limit on but high enough never to refuse (in process, or in Redis with
``SALAMA_REDIS_URL``), waits for /healthz, warms up, then runs wrk with
``benchmarks/load/check.lua``:

- ``closed``: closed loop, ``-c`` connections (default 32): the throughput at saturation, and
  the latency that the queue of 32 waiting requests gives at that throughput.
- ``paced``: the same connections held to ``--rate`` requests/s (default 1,500, the target):
  the latency at that load.

The request bodies are ``--n-texts`` real comments sampled (seeded) from ``../shared/data``, with
surfaces, age bands, languages and owners drawn in fixed shares, so that some are held, blocked
or sent to support and written to the database, as in real traffic. The sample is written to
``benchmarks/results/load-texts/`` (gitignored: the texts are never committed); the numbers, and
no text, go to ``benchmarks/results/load-<date>.json``.

Needs wrk (``apt-get install -y wrk``), the repository's ``.venv``, and for the PostgreSQL rows
the server at ``--pg-admin-url``; for the Redis rows Redis at ``--redis-url``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salama.bench import default_corpus_files, sample_corpus
from salama.errors import SalamaError

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
TEXTS_DIR = RESULTS / "load-texts"  # gitignored
LUA = Path(__file__).resolve().with_name("check.lua")
BIN = Path(sys.executable).parent
SEED = 20_261_125
HIGH_LIMIT = 100_000_000  # per key and minute: on, counted, never reached

# Where a text goes and who writes and reads it, in fixed shares (weights).
SURFACES = {"comment": 60, "dm": 15, "post": 10, "search": 8, "bio": 4, "username": 3}
AGE_BANDS = {"teen_13_15": 30, "teen_16_17": 30, "adult": 25, "unknown": 15}
LANG_OF = {"ary": "ary", "arq": "ar", "aeb": "ar", "apc": "ar", "ar": "ar", "fr": "fr", "en": "en"}
COUNTRY_OF = {
    "ary": "MA",
    "arq": "DZ",
    "aeb": "TN",
    "apc": "LB",
    "ar": "SA",
    "fr": "FR",
    "en": "GB",
}
OWNERS = 50


@dataclass(frozen=True)
class Config:
    db: str  # sqlite | postgres
    workers: int
    limiter: str  # local | redis

    @property
    def name(self) -> str:
        return f"{self.db}-w{self.workers}-{self.limiter}"


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def build_bodies(n_texts: int, seed: int, max_chars: int) -> tuple[Path, dict[str, Any]]:
    """Write one JSON body a line to TEXTS_DIR; return the file and a summary (no texts)."""
    corpus = sample_corpus(default_corpus_files(), n_texts, seed=seed)
    rng = random.Random(seed)
    lines: list[str] = []
    surfaces: dict[str, int] = {}
    bands: dict[str, int] = {}
    for i, (text, lang) in enumerate(zip(corpus.texts, corpus.langs, strict=True)):
        surface = _pick(rng, SURFACES)
        band = _pick(rng, AGE_BANDS)
        body: dict[str, Any] = {
            "text": text[:max_chars],
            "surface": surface,
            "author": {
                "id": f"user-{i % 500}",
                "age_band": band,
                "country": COUNTRY_OF.get(lang, "GB" if lang == "en" else "MA"),
                "language": LANG_OF.get(lang, "ar"),
            },
            "context": {"audience": _pick(rng, AGE_BANDS)},
        }
        if surface in ("comment", "post") and rng.random() < 0.5:
            body["owner"] = {"id": f"owner-{rng.randrange(OWNERS)}"}
        lines.append(json.dumps(body, ensure_ascii=False))
        surfaces[surface] = surfaces.get(surface, 0) + 1
        bands[band] = bands.get(band, 0) + 1
    TEXTS_DIR.mkdir(parents=True, exist_ok=True)
    path = TEXTS_DIR / f"bodies-{n_texts}-{seed}.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    summary = corpus.summary()
    summary.pop("per_file", None)
    summary["surfaces"] = dict(sorted(surfaces.items()))
    summary["author_age_bands"] = dict(sorted(bands.items()))
    summary["owners"] = OWNERS
    summary["mean_body_bytes"] = round(sum(len(x.encode()) for x in lines) / len(lines), 1)
    return path, summary


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="salama-load-")
    try:
        yield f"sqlite:///{folder}/load.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"salama_load_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def kept_rows(url: str) -> dict[str, int]:
    """Rows the run wrote: decisions (by action) and review items."""
    from sqlalchemy import text

    from salama.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            by_action: dict[str, int] = dict(
                conn.execute(text("SELECT action, count(*) FROM decisions GROUP BY action")).all()
            )
            review = conn.execute(text("SELECT count(*) FROM review_items")).scalar_one()
    finally:
        engine.dispose()
    return {"decisions": sum(by_action.values()), "review_items": int(review), **by_action}


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_tenant(env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        [str(BIN / "salama"), "tenant", "create", "load-test", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, str] = json.loads(out.stdout)
    return result


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"salama serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
                health: dict[str, Any] = json.loads(resp.read())
                return health
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("salama serve did not answer /healthz in time")


READY = "server processes accepting connections"  # salama serve --workers N, once all are


class ServerLog:
    """The server's stderr, read as it comes: whether every worker accepts yet (the supervisor
    says so once each has built its app), and the lines kept for the error summary."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if READY in line:
                self.ready.set()

    def wait_ready(self, workers: int, timeout: float = 90) -> None:
        """Wait until every worker accepts (one worker: /healthz answered is enough)."""
        if workers > 1 and not self.ready.wait(timeout):
            print("warning: the workers did not all say they accept in time", file=sys.stderr)
        time.sleep(0.5)

    def close(self, timeout: float = 5) -> None:
        self._thread.join(timeout)


def _proc_ticks() -> dict[int, tuple[str, int, int]]:
    """pid -> (command name, parent pid, user + system ticks) for every process."""
    out: dict[int, tuple[str, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def _busy_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """Where the machine's CPU went between ``start`` and ``stop``: the server (the process and
    its workers), wrk, the database and Redis servers, and everything else (other work on a
    shared machine, which the results report so that a noisy run can be told apart)."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def start(self) -> None:
        self._procs = _proc_ticks()
        self._busy = _busy_ticks()
        self._t = time.monotonic()

    def stop(self, wrk_cpu_s: float) -> dict[str, float]:
        """The split; ``wrk_cpu_s`` is wrk's own (from rusage: it has exited by now)."""
        procs, (busy, total) = _proc_ticks(), _busy_ticks()
        tick = os.sysconf("SC_CLK_TCK")
        groups = {"server": 0, "postgres": 0, "redis": 0}
        for pid, (name, ppid, ticks) in procs.items():
            used = ticks - self._procs.get(pid, (name, ppid, 0))[2]
            if pid == self.server_pid or ppid == self.server_pid:
                groups["server"] += used
            elif name.startswith("postgres"):
                groups["postgres"] += used
            elif name.startswith("redis-server"):
                groups["redis"] += used
        busy_used = busy - self._busy[0]
        elapsed_ticks = (total - self._busy[1]) or 1
        cores = os.cpu_count() or 1
        out = {f"{k}_cpu_s": round(v / tick, 2) for k, v in groups.items()}
        out["wrk_cpu_s"] = round(wrk_cpu_s, 2)
        other = max(0, busy_used - sum(groups.values()) - round(wrk_cpu_s * tick))
        out["other_cpu_s"] = round(other / tick, 2)
        out["machine_busy_share"] = round(busy_used / elapsed_ticks, 3)
        out["other_busy_share"] = round(other / elapsed_ticks, 3)
        out["cores"] = cores
        return out


def wait_quiet(threshold: float, timeout: float) -> float:
    """Wait until the machine is at most ``threshold`` busy over 2 s (others' work on a shared
    machine skews a load test); return the busy share last seen (waits ``timeout`` at most)."""
    deadline = time.monotonic() + timeout
    while True:
        b0, t0 = _busy_ticks()
        time.sleep(2.0)
        b1, t1 = _busy_ticks()
        share = (b1 - b0) / max(t1 - t0, 1)
        if share <= threshold or time.monotonic() >= deadline:
            return round(share, 3)
        print(f"  waiting for a quiet machine (busy {share:.0%})", file=sys.stderr, flush=True)


@contextmanager
def serve(env: dict[str, str], workers: int, port: int) -> Iterator[tuple[str, dict[str, Any]]]:
    proc = subprocess.Popen(
        [str(BIN / "salama"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    log = ServerLog(proc.stderr)
    try:
        health = wait_healthy(base, proc)
        log.wait_ready(workers)
        yield base, {"pid": proc.pid, **health}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        errors = [line for line in log.lines if "Traceback" in line or "ERROR" in line]
        if errors:
            print(
                f"server log had {len(errors)} error line(s), first: {errors[0]}", file=sys.stderr
            )


# --- wrk ----------------------------------------------------------------------------------------


def wrk_script(
    script: Path,
    base: str,
    env_extra: dict[str, str],
    *,
    threads: int,
    connections: int,
    duration: int,
    rate: int = 0,
) -> tuple[dict[str, Any], list[str], float]:
    """Run wrk with one of this folder's Lua scripts (which print ``LOAD_RESULT {json}``):
    the parsed result, the command, and wrk's own CPU seconds. ``rate`` > 0 paces the load
    (common.lua)."""
    env = dict(os.environ)
    env.update(
        env_extra,
        LOAD_THREADS=str(threads),
        LOAD_RATE=str(rate),
        LOAD_LUA_DIR=str(script.parent),
    )
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        base,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    match = re.search(r"^LOAD_RESULT (\{.*\})$", out.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(match.group(1))
    return result, command, wrk_cpu


def run_wrk(
    base: str,
    bodies: Path,
    key: str,
    *,
    threads: int,
    connections: int,
    duration: int,
    rate: int = 0,
) -> dict[str, Any]:
    result, command, wrk_cpu = wrk_script(
        LUA,
        base,
        {"LOAD_BODIES": str(bodies), "LOAD_KEY": key},
        threads=threads,
        connections=connections,
        duration=duration,
        rate=rate,
    )
    result["rps"] = round(result["requests"] / result["duration_s"], 1)
    result["wrk_cpu_s"] = round(wrk_cpu, 2)
    answered = sum(result["actions"].values()) or 1
    result["action_share"] = {
        k: round(v / answered, 4) for k, v in sorted(result["actions"].items())
    }
    result["errors"] = sum(result["socket_errors"].values()) + result["non_2xx_3xx"]
    shown = [*command[:-2], "benchmarks/load/check.lua", base]
    result["command"] = f"LOAD_BODIES=<sample> LOAD_KEY=<key> LOAD_RATE={rate} " + " ".join(shown)
    return result


def measure(config: Config, args: argparse.Namespace, bodies: Path) -> dict[str, Any]:
    @contextmanager
    def database() -> Iterator[str]:
        if config.db == "sqlite":
            with sqlite_database() as url:
                yield url
        else:
            with postgres_database(args.pg_admin_url) as url:
                yield url

    with database() as url:
        env = dict(os.environ)
        env.update(
            SALAMA_DATABASE_URL=url,
            SALAMA_RATE_LIMIT_PER_MINUTE=str(HIGH_LIMIT),
            SALAMA_LOG_LEVEL="warning",
        )
        env.pop("SALAMA_REDIS_URL", None)
        if config.limiter == "redis":
            env["SALAMA_REDIS_URL"] = args.redis_url
        tenant = create_tenant(env)
        port = free_port()
        runs: dict[str, Any] = {}
        with serve(env, config.workers, port) as (base, server):
            common = {"threads": args.threads, "connections": args.connections}
            run_wrk(base, bodies, tenant["api_key"], duration=args.warmup, **common)
            modes = [("closed", 0)] + [("paced", r) for r in args.rate if r > 0]
            for mode, rate in modes:
                quiet = wait_quiet(args.quiet, args.quiet_timeout)
                meter = CpuMeter(server["pid"])
                meter.start()
                result = run_wrk(
                    base, bodies, tenant["api_key"], duration=args.duration, rate=rate, **common
                )
                cpu = meter.stop(result.pop("wrk_cpu_s"))
                cpu["busy_share_before"] = quiet
                cpu["server_ms_per_request"] = round(
                    1000 * cpu["server_cpu_s"] / max(result["requests"], 1), 3
                )
                result["cpu"] = cpu
                label = mode if mode == "closed" else f"paced-{rate}"
                runs[label] = result
                print(f"  {config.name} {label}: {summarise(result)}", file=sys.stderr, flush=True)
        rows = kept_rows(url)
    return {
        "db": config.db,
        "workers": config.workers,
        "rate_limiter": config.limiter,
        "health": {k: v for k, v in server.items() if k != "pid"},
        "runs": runs,
        "rows_written": rows,
    }


def cpu_per_request(
    db_url: str, bodies: Path, *, n: int, rounds: int, redis_url: str | None
) -> dict[str, Any]:
    """CPU time per ``POST /v1/check`` in this process, through the whole ASGI app (middleware,
    auth, rate limit, validation, detector, policy, store writes, JSON), without HTTP or wrk:
    the steady number to compare code changes by on a busy machine, where wrk's are noisy."""
    import asyncio

    from salama.api.app import create_app
    from salama.api.limits import Message
    from salama.config import Settings
    from salama.store import Store

    lines = [x.encode() for x in bodies.read_text("utf-8").splitlines() if x]
    store = Store.open(db_url)
    tenant = store.tenants.create_tenant("cpu")
    _, key = store.tenants.create_api_key(tenant.id)
    settings = Settings(
        database_url=db_url, rate_limit_per_minute=HIGH_LIMIT, redis_url=redis_url or None
    )
    app = create_app(settings, store=store)
    auth = f"Bearer {key}".encode()

    async def one(body: bytes) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/check",
            "raw_path": b"/v1/check",
            "root_path": "",
            "query_string": b"",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 5000),
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                (b"content-type", b"application/json"),
                (b"authorization", auth),
                (b"content-length", str(len(body)).encode()),
            ],
        }
        messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)  # pragma: no cover - the app reads the body once
            return {"type": "http.disconnect"}

        status: list[int] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        if status != [200]:
            raise RuntimeError(f"POST /v1/check answered {status}")

    async def run() -> list[float]:
        out = []
        async with app.router.lifespan_context(app):
            for body in lines[:300]:  # warm up: caches, the model's pages, the pool
                await one(body)
            for _ in range(rounds):
                start = time.process_time()
                for i in range(n):
                    await one(lines[i % len(lines)])
                out.append(round((time.process_time() - start) / n * 1e6, 1))
        return out

    try:
        per_round = asyncio.run(run())
    finally:
        store.close()
    return {"requests_per_round": n, "cpu_us_per_request": per_round, "best": min(per_round)}


def summarise(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    return (
        f"{r['rps']:.0f} req/s, p50 {lat['50']:.1f} ms, p90 {lat['90']:.1f} ms, "
        f"p99 {lat['99']:.1f} ms, errors {r['errors']}, server CPU "
        f"{r['cpu']['server_ms_per_request']:.2f} ms/req, others busy "
        f"{r['cpu']['other_busy_share']:.0%}, actions {r['action_share']}"
    )


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0],
    }


def markdown_table(report: dict[str, Any]) -> str:
    """The results as the Markdown table of docs/benchmarks.md (one row per run)."""
    lines = [
        "| database | workers | rate limit | load | req/s | p50 ms | p90 ms | p99 ms | errors "
        "| server CPU ms/req |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    for res in report["results"]:
        limiter = "Redis" if res["rate_limiter"] == "redis" else "in process"
        for label, run in res["runs"].items():
            load = "closed, 32 conn." if label == "closed" else label.replace("paced-", "paced ")
            lat = run["latency_ms"]
            lines.append(
                f"| {names.get(res['db'], res['db'])} | {res['workers']} | {limiter} | {load} "
                f"| {run['rps']:,.0f} | {lat['50']:.1f} | {lat['90']:.1f} | {lat['99']:.1f} "
                f"| {run['errors']} | {run['cpu']['server_ms_per_request']:.2f} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, action="append")
    parser.add_argument("--limiter", action="append", choices=["local", "redis"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load first")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--rate", type=int, action="append", help="paced runs at these req/s (0: none)"
    )
    parser.add_argument(
        "--quiet", type=float, default=0.15, help="wait until the machine is this idle (share)"
    )
    parser.add_argument("--quiet-timeout", type=float, default=600, help="seconds at most")
    parser.add_argument("--n-texts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--max-chars", type=int, default=5_000)
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get(
            "SALAMA_LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/load-<date>.json")
    parser.add_argument("--note", default="", help="kept in the JSON (what this run measures)")
    parser.add_argument("--table", type=Path, help="print a results JSON as Markdown and stop")
    parser.add_argument(
        "--cpu",
        type=int,
        metavar="N",
        help="no server, no wrk: CPU time per request over N requests in this process, for each "
        "--db (and Redis with --limiter redis), 3 rounds; prints JSON and stops",
    )
    args = parser.parse_args(argv)
    if args.table is not None:
        print(markdown_table(json.loads(args.table.read_text("utf-8"))))
        return 0
    if args.cpu:
        bodies, _ = build_bodies(args.n_texts, args.seed, args.max_chars)
        report: dict[str, Any] = {}
        for db in args.db or ["sqlite", "postgres"]:
            for limiter in args.limiter or ["local"]:
                redis = args.redis_url if limiter == "redis" else None
                database = (
                    sqlite_database() if db == "sqlite" else postgres_database(args.pg_admin_url)
                )
                with database as url:
                    result = cpu_per_request(url, bodies, n=args.cpu, rounds=3, redis_url=redis)
                report[f"{db}-{limiter}"] = result
                print(f"{db}-{limiter}: {result}", file=sys.stderr, flush=True)
        print(json.dumps(report, indent=2))
        return 0
    args.rate = args.rate if args.rate is not None else [1_500]
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    try:
        bodies, corpus = build_bodies(args.n_texts, args.seed, args.max_chars)
    except SalamaError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    configs = [
        Config(db, workers, limiter)
        for db in args.db or ["sqlite", "postgres"]
        for workers in args.workers or [1, 2]
        for limiter in args.limiter or ["local", "redis"]
    ]
    started = dt.datetime.now(dt.UTC)
    results = []
    for config in configs:
        print(f"{config.name} ...", file=sys.stderr, flush=True)
        results.append(measure(config, args, bodies))
    report = {
        "what": "POST /v1/check under wrk, server and load generator on the same machine",
        "note": args.note,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rate_limit_per_minute": HIGH_LIMIT,
        },
        "corpus": corpus,
        "results": results,
    }
    out = args.out or RESULTS / f"load-{started.date().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
