"""``salama serve --workers N`` on Linux: N uvicorn processes, each listening on its own socket
bound with ``SO_REUSEPORT``, so that the kernel spreads new connections evenly over them.

uvicorn's own ``--workers`` shares one listening socket between the processes, and whichever
process wakes first accepts every connection waiting: under wrk, 32 keep-alive connections split
29/3 or 1/31 between two processes, one saturated while the other idled (docs/benchmarks.md).
This supervisor starts the processes, starts another when one dies, and stops them all on
SIGINT or SIGTERM. Elsewhere (no ``SO_REUSEPORT``), ``salama serve`` uses uvicorn's workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from types import FrameType

__all__ = ["reuse_port_supported", "run_workers"]

APP = "salama.api.server:app"
CANNOT_LISTEN = 3  # a worker's exit code when it cannot bind: retrying would not help
MAX_RESTARTS_PER_MINUTE = 5  # per worker; beyond that the supervisor gives up


def reuse_port_supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    """One server process (started by ``multiprocessing`` with spawn: a fresh interpreter)."""
    import uvicorn

    config = uvicorn.Config(
        APP, factory=True, host=host, port=port, log_level=log_level, access_log=False
    )
    config.load()  # build the app (model, database) before listening, not after
    try:
        sock = _bind(host, port)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        sys.exit(CANNOT_LISTEN)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(
    host: str,
    port: int,
    workers: int,
    log_level: str,
    log: Callable[[str], None],
    *,
    grace_seconds: float = 30.0,
) -> int:
    """Run ``workers`` server processes until SIGINT or SIGTERM; return the exit code (0 after
    a signal, 2 when the port cannot be bound, 1 when workers keep dying)."""
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=_worker, args=(host, port, log_level), name="salama-api")
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    deaths: deque[float] = deque()
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == CANNOT_LISTEN:
                    return 2
                now = time.monotonic()
                deaths.append(now)
                while deaths and deaths[0] < now - 60:
                    deaths.popleft()
                if len(deaths) > MAX_RESTARTS_PER_MINUTE * workers:
                    log(f"error: server processes keep exiting (last: code {process.exitcode})")
                    return 1
                log(f"server process {process.pid} exited (code {process.exitcode}); restarting")
                processes[i] = start()
        return 0
    finally:
        # Ctrl-C, or a service manager, may have signalled the processes too: give them a moment
        # to stop by themselves (a second signal would make uvicorn skip its graceful shutdown).
        deadline = time.monotonic() + 1.0
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + grace_seconds
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
