"""``salama serve --workers N``: N uvicorn processes sharing one listening socket, each taking
new connections only while it holds no more of them than the least loaded of the others.

Host apps talk to Salama over a pool of keep-alive connections, so how the connections are
spread decides how the work is. Two ways were measured and given up (docs/benchmarks.md):

- uvicorn's own ``--workers``: whichever process wakes first accepts every waiting connection,
  so wrk's 32 connections split 29/3 or 1/31, one process saturated while the other idled;
- one socket per process with ``SO_REUSEPORT``: the kernel spreads connections by a hash of
  their addresses, which is even only on average: 20/12 and 11/21 were common, and at 1,500
  requests/s the process with two thirds of the connections made the p99 (40-44 ms against
  24 ms for 16/16).

Here the supervisor binds the socket; every process watches it, and each publishes, in a small
shared array, how many connections it holds (and when it last did). A process with more
connections than the least loaded live one leaves a new connection to it, rechecking every
millisecond and taking the connection anyway after ``MAX_DEFER_S`` (the other may be busy or
stuck). A process that has not published for ``STALE_S`` (dead, being restarted) is not waited
for. The supervisor starts another process when one dies and stops them all on SIGINT or
SIGTERM. On Windows, ``salama serve`` uses uvicorn's workers.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

__all__ = ["BalancedAcceptor", "Slots", "balanced_workers_supported", "run_workers"]

APP = "salama.api.server:app"
MAX_RESTARTS_PER_MINUTE = 5  # per worker; beyond that the supervisor gives up
BACKLOG = 2048
RECHECK_S = 0.001  # a deferring process looks again this often
MAX_DEFER_S = 0.02  # ... and takes the connection itself after this long
PUBLISH_S = 0.05  # each process republishes its count this often (closed connections)
STALE_S = 1.0  # a process silent for this long is not waited for
ACCEPT_PAUSE_S = 0.5  # after an error such as EMFILE (no file descriptors left)
GONE = -1e9  # a slot's time when its process never published, stopped or died

log = logging.getLogger("salama.api.workers")


def balanced_workers_supported() -> bool:
    return sys.platform != "win32"


class Slots:
    """Per process: the connections it holds and when it said so (``time.monotonic``, which is
    system-wide on Linux), in shared memory (two doubles a process; a torn read of one double
    cannot happen on the platforms served, and a stale one only shifts one connection)."""

    def __init__(self, array: Any) -> None:
        self.array = array  # a RawArray("d", 2 * workers)

    @classmethod
    def create(cls, workers: int, context: Any = multiprocessing) -> Slots:
        array = context.RawArray(ctypes.c_double, 2 * workers)
        for i in range(workers):
            array[2 * i] = 0.0
            array[2 * i + 1] = GONE
        return cls(array)

    @property
    def size(self) -> int:
        return len(self.array) // 2

    def publish(self, index: int, connections: int, now: float) -> None:
        self.array[2 * index] = float(connections)
        self.array[2 * index + 1] = now

    def all_published(self) -> bool:
        """Has every process published since it started (built its app, accepting)?"""
        return all(self.array[2 * i + 1] != GONE for i in range(self.size))

    def fewest_elsewhere(self, index: int, now: float) -> float | None:
        """The fewest connections that a live process other than ``index`` holds (None: none)."""
        fewest: float | None = None
        for i in range(self.size):
            if i == index or now - self.array[2 * i + 1] > STALE_S:
                continue
            count = self.array[2 * i]
            if fewest is None or count < fewest:
                fewest = count
        return fewest


class BalancedAcceptor:
    """Accepts connections on ``sock`` for one process's event loop, one at a time, only while
    this process holds no more connections than the least loaded live other (see the module's
    docstring); hands each to ``protocol_factory`` through ``loop.connect_accepted_socket``.

    ``held`` says how many connections the process's protocols hold now (uvicorn's
    ``server_state.connections``); connections accepted and not yet handed over count too."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
        slots: Slots,
        index: int,
        held: Callable[[], int],
    ) -> None:
        self.loop = loop
        self.sock = sock
        self.factory = protocol_factory
        self.slots = slots
        self.index = index
        self.held = held
        self.pending = 0
        self.deferred = 0  # connections this process left to another one (read by the tests)
        self._defer_since: float | None = None
        self._watching = False
        self._stopped = False
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self.sock.setblocking(False)
        self._publish()
        self._watch()
        self._tick()

    def stop(self) -> None:
        self._stopped = True
        self._unwatch()
        if self._timer is not None:
            self._timer.cancel()
        self.slots.publish(self.index, 0, GONE)  # nobody waits for this process now

    def count(self) -> int:
        return self.held() + self.pending

    def _publish(self) -> None:
        self.slots.publish(self.index, self.count(), time.monotonic())

    def _tick(self) -> None:
        if self._stopped:
            return
        self._publish()
        self._timer = self.loop.call_later(PUBLISH_S, self._tick)

    def _watch(self) -> None:
        if not self._watching and not self._stopped:
            self.loop.add_reader(self.sock.fileno(), self._on_readable)
            self._watching = True

    def _unwatch(self) -> None:
        if self._watching:
            self.loop.remove_reader(self.sock.fileno())
            self._watching = False

    def _on_readable(self) -> None:
        now = time.monotonic()
        mine = self.count()
        fewest = self.slots.fewest_elsewhere(self.index, now)
        if fewest is not None and mine > fewest:
            if self._defer_since is None:
                self._defer_since = now
            if now - self._defer_since < MAX_DEFER_S:
                self._unwatch()
                self.loop.call_later(RECHECK_S, self._watch)
                return
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            if self._defer_since is not None:
                self.deferred += 1  # another process took it
            self._defer_since = None
            return
        except OSError as exc:  # EMFILE, ENFILE, ENOBUFS...: wait, as asyncio's servers do
            if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                return
            log.warning("accept failed (%s); pausing for %.1f s", exc, ACCEPT_PAUSE_S)
            self._unwatch()
            self.loop.call_later(ACCEPT_PAUSE_S, self._watch)
            return
        self._defer_since = None
        self.pending += 1
        self.slots.publish(self.index, mine + 1, now)
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = self.loop.create_task(self._hand_over(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hand_over(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.factory, conn)
        except OSError:  # the client left already
            conn.close()
        finally:
            self.pending -= 1


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _server_class() -> Any:
    import uvicorn

    class BalancedServer(uvicorn.Server):
        """uvicorn's server with its listening done by a :class:`BalancedAcceptor`."""

        def __init__(self, config: uvicorn.Config, slots: Slots, index: int) -> None:
            super().__init__(config)
            self.slots = slots
            self.index = index
            self.acceptor: BalancedAcceptor | None = None

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=[])  # the lifespan, no listening of uvicorn's own
            if self.should_exit or not sockets:
                return
            loop = asyncio.get_running_loop()
            config = self.config

            def protocol() -> asyncio.Protocol:
                made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                    config=config,
                    server_state=self.server_state,
                    app_state=self.lifespan.state,
                    _loop=loop,
                )
                return made

            state = self.server_state
            self.acceptor = BalancedAcceptor(
                loop, sockets[0], protocol, self.slots, self.index, lambda: len(state.connections)
            )
            self.acceptor.start()

        async def shutdown(self, sockets: Sequence[socket.socket] | None = None) -> None:
            if self.acceptor is not None:
                self.acceptor.stop()
            await super().shutdown(sockets=list(sockets or []))

    return BalancedServer


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """Stop this process (SIGTERM: uvicorn's graceful shutdown) once its supervisor is gone,
    killed with SIGKILL say, so that no orphan keeps serving on the port."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="salama-parent-watch", daemon=True).start()


def _worker(sock: socket.socket, slots: Slots, index: int, log_level: str, supervisor: int) -> None:
    """One server process (started by ``multiprocessing`` with spawn: a fresh interpreter).
    ``supervisor`` is the supervisor's pid, given rather than read here: it may be gone already."""
    import uvicorn

    _exit_with_parent(supervisor)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=False)
    config.load()  # build the app (model, database) before accepting anything
    _server_class()(config, slots, index).run(sockets=[sock])


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
    try:
        sock = _bind(host, port)
    except OSError as exc:
        log(f"error: cannot listen on {host}:{port}: {exc}")
        return 2
    spawn = multiprocessing.get_context("spawn")
    slots = Slots.create(workers, spawn)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}

    def start(index: int) -> multiprocessing.process.BaseProcess:
        process = spawn.Process(
            target=_worker,
            args=(sock, slots, index, log_level, os.getpid()),
            name="salama-api",
        )
        process.start()
        return process

    processes = [start(i) for i in range(workers)]
    deaths: deque[float] = deque()
    announced = False
    try:
        while not stop.wait(0.2):
            if not announced and slots.all_published():
                announced = True  # each process has built its app and accepts: say so once
                log(f"{workers} server processes accepting connections on {host}:{port}")
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                slots.publish(i, 0, GONE)  # not waited for while it restarts
                now = time.monotonic()
                deaths.append(now)
                while deaths and deaths[0] < now - 60:
                    deaths.popleft()
                if len(deaths) > MAX_RESTARTS_PER_MINUTE * workers:
                    log(f"error: server processes keep exiting (last: code {process.exitcode})")
                    return 1
                log(f"server process {process.pid} exited (code {process.exitcode}); restarting")
                processes[i] = start(i)
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
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
