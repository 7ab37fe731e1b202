"""The services a fault run breaks on purpose: a Redis of its own, a cuttable path to PostgreSQL, real workers.

Shared by ``tests/integration/test_faults.py`` (a short run in the suite) and ``bench/faults.py`` (100 requests).
Nothing here touches the shared Redis or PostgreSQL's other databases:

- :class:`RedisServer` starts ``redis-server`` on a free port without persistence, so a restart loses
  every queued, scheduled and started job in it, as a Redis without a disk (or a flushed one) would.
- :class:`PgProxy` sits between the workers and PostgreSQL. ``cut()`` closes every connection open through
  it at once (the server or a firewall dropping them); ``outage(seconds)`` also refuses new ones for a time.
- :class:`Workers` runs real ``rights worker`` processes (each with its RQ scheduler) and kills them the way
  machines die: the whole process tree with SIGKILL (a host or container lost), or only the work horse
  (what the kernel's out-of-memory killer picks). It restarts what died, as systemd's ``Restart=always`` does.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate, timeout: float, every: float = 0.1, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


class RedisServer:
    """A private ``redis-server``: nothing is saved, so ``restart()`` comes back empty."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis(port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            with contextlib.suppress(Exception):
                return bool(client.ping())
            return False

        wait_for(answers, 20, what=f"redis-server on port {self.port}")
        client.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def restart(self, down_for: float = 1.0) -> None:
        """Kill it (SIGKILL: no save, no goodbye) and start an empty one on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()
        self.restarts += 1


class PgProxy:
    """A TCP proxy to PostgreSQL whose connections the harness can cut, or refuse for a while."""

    def __init__(self, target_port: int = 5432, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._refuse_until = 0.0
        self._stopped = threading.Event()
        self.cuts = 0
        self.connections_cut = 0
        threading.Thread(target=self._accept, name="pg-proxy", daemon=True).start()

    def url_for(self, database_url: str) -> str:
        """The same database reached through this proxy."""
        from sqlalchemy.engine import make_url

        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refuse_until:
                client.close()  # PostgreSQL unreachable: the client sees its connection refused or closed
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select(timeout=1.0):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
                if self._stopped.is_set():
                    return
        except OSError:
            return
        finally:
            selector.close()
            self._close(a, b)

    def _close(self, *socks: socket.socket) -> None:
        with self._lock:
            for sock in socks:
                self._open.discard(sock)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def cut(self) -> int:
        """Close every connection open through the proxy now; how many client connections that was."""
        with self._lock:
            socks = list(self._open)
        self._close(*socks)
        self.cuts += 1
        self.connections_cut += len(socks) // 2
        return len(socks) // 2

    def outage(self, seconds: float) -> int:
        """PostgreSQL gone for ``seconds``: open connections cut, new ones refused until then."""
        self._refuse_until = time.monotonic() + seconds
        return self.cut()

    def close(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self.cut()


@dataclass
class Worker:
    index: int
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class Workers:
    """``count`` real ``rights worker`` processes on the given environment, supervised like systemd would."""

    env: dict[str, str]
    count: int
    log_dir: Path
    workers: dict[int, Worker] = field(default_factory=dict)
    started: int = 0
    killed_trees: int = 0
    killed_horses: int = 0
    restarted_after_exit: int = 0
    _supervising: threading.Event = field(default_factory=threading.Event)

    def start(self, index: int) -> Worker:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"worker-{index}-{self.started}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "rights", "worker"], cwd=ROOT, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.started += 1
        self.workers[index] = Worker(index, proc, log)
        return self.workers[index]

    def start_all(self) -> None:
        for index in range(self.count):
            self.start(index)

    def pids(self) -> dict[int, int]:
        return {w.index: w.proc.pid for w in self.workers.values() if w.proc.poll() is None}

    @staticmethod
    def horse_of(pid: int) -> psutil.Process | None:
        """The work horse RQ forked for the current job: the child that leads its own process group."""
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(pid).children():
                with contextlib.suppress(psutil.Error, ProcessLookupError):
                    if os.getpgid(child.pid) == child.pid:
                        return child
        return None

    def kill_tree(self, index: int) -> None:
        """SIGKILL the worker and every process under it at once: the machine it ran on is gone."""
        worker = self.workers[index]
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(worker.proc.pid)
            for proc in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signal.SIGKILL)
        worker.proc.wait(timeout=30)
        self.killed_trees += 1

    def kill_horse(self, index: int) -> bool:
        """SIGKILL only the work horse; the worker notices, records the failure and lets RQ retry the job."""
        horse = self.horse_of(self.workers[index].proc.pid)
        if horse is None:
            return False
        with contextlib.suppress(psutil.Error):
            horse.send_signal(signal.SIGKILL)
            self.killed_horses += 1
            return True
        return False

    def supervise(self, every: float = 1.0) -> None:
        """Restart any worker that exited (killed, or gave up on its own), on a thread, until :meth:`stop`."""

        def loop() -> None:
            while not self._supervising.wait(every):
                for index, worker in list(self.workers.items()):
                    if worker.proc.poll() is not None:
                        self.restarted_after_exit += 1
                        self.start(index)

        threading.Thread(target=loop, name="worker-supervisor", daemon=True).start()

    def stop(self) -> None:
        self._supervising.set()
        for worker in self.workers.values():
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(worker.proc.pid)
                for proc in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        proc.send_signal(signal.SIGKILL)
            with contextlib.suppress(Exception):
                worker.proc.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.log_dir.glob("worker-*.log")))


@contextlib.contextmanager
def running(workers: Workers) -> Iterator[Workers]:
    workers.start_all()
    workers.supervise()
    try:
        yield workers
    finally:
        workers.stop()
