"""Live delivery benchmark: our Daphne + Channels `/ws/live/` against a bare `websockets`
broadcast server, measured by the same clients and the same publisher in one invocation.

Run through `bench/run.py` (`make bench`). This module is also the script for the helper
processes it starts:

    live.py setup            create the bench dialogue and a secretariat user (Django env)
    live.py publisher ours   post announcements on command (Django env)
    live.py publisher bare   trigger the bare server on command
    live.py bare-server      the reference broadcast server

Everything runs on loopback, is bounded in time and cleans up after itself. Figures are for
reading (see ../shared/QUALITY.md): absolute times drift, ratios against the bare server of the
same run do not drift as much.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
DAPHNE = str(ROOT / ".venv" / "bin" / "daphne")
SLUG = "bench"
STREAM = f"dialogue:{SLUG}"
# ``--floor``: the event is a request for the floor in a public meeting in session, followed on
# ``meeting:<id>`` (the id comes from ``setup``), instead of an announcement.
FLOOR = os.environ.get("BENCH_EVENT") == "floor"
FLOOR_DELEGATIONS = 40
TITLE = "Bench announcement"
BODY = (
    "The secretariat informs participants that the session resumes in room B after the break; "
    "documents for the next agenda item are available on the meeting page."
)
CONNECT_TIMEOUT = 10.0
ACK_EVERY = 50
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_BASE = "redis://127.0.0.1:6379"
REDIS_DB = 9
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = 1  # VmRSS is read in kB


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not listen within {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def machine_busy() -> float:
    """Seconds of CPU the whole machine spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / TICK


class CpuMeter:
    """CPU seconds of the server(s), the publisher, the load processes and the machine."""

    def __init__(self, servers: Servers, load: Load) -> None:
        self.servers, self.load = servers, load
        self.start_wall = time.monotonic()
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        publisher = self.servers.publisher
        return {
            "server": self.servers.cpu(),
            "publisher": cpu_seconds(publisher.pid) if publisher is not None else 0.0,
            "clients": sum(cpu_seconds(p.pid) for p in self.load.procs if p.pid),
            "machine": machine_busy(),
        }

    def stop(self) -> dict[str, float]:
        """Share of one core used by each, over the phase (the machine: out of all cores)."""
        end, wall = self._read(), time.monotonic() - self.start_wall
        out = {k: (end[k] - self.start[k]) / wall for k in end}
        out["server_cpu_s"] = end["server"] - self.start["server"]
        out["wall_s"] = wall
        return out


def _all_cpu() -> dict[int, tuple[str, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry}/stat") as f:
                    raw = f.read()
                comm = raw[raw.index("(") + 1 : raw.rindex(")")]
                fields = raw.rsplit(")", 1)[1].split()
                out[int(entry)] = (comm, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def other_load(seconds: float = 1.0) -> tuple[float, list[tuple[str, int, float]]]:
    """What else keeps the machine busy: its busy share (of one core) over ``seconds`` and
    the busiest processes. Benchmarks on a shared machine drift; this says how much."""
    before, busy0 = _all_cpu(), machine_busy()
    time.sleep(seconds)
    after, busy1 = _all_cpu(), machine_busy()
    top = sorted(
        (
            (comm, pid, (cpu - before[pid][1]) / seconds)
            for pid, (comm, cpu) in after.items()
            if pid in before and pid != os.getpid()
        ),
        key=lambda x: -x[2],
    )
    return (busy1 - busy0) / seconds, [t for t in top[:3] if t[2] >= 0.05]


def describe_load(label: str) -> dict[str, Any]:
    share, top = other_load()
    busiest = ", ".join(f"{comm} (pid {pid}) {cpu * 100:.0f} %" for comm, pid, cpu in top)
    note = f"machine {label}: {share * 100:.0f} % busy of {100 * (os.cpu_count() or 1)}"
    if share > 0.2:
        note += f"; NOT QUIET, figures will drift: {busiest}"
    log(note)
    return {"busy_share": share, "top": top}


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
        for head, values in zip(lines[::2], lines[1::2], strict=False):
            if head.startswith("TcpExt:"):
                return int(dict(zip(head.split(), values.split(), strict=True))["ListenOverflows"])
    return -1


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


# ============================================================================================
# Clients (the load processes)
# ============================================================================================


@dataclass
class ClientState:
    ok: int = 0
    failed: int = 0
    live: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)
    dups: int = 0
    recv: dict[int, list[float]] = field(default_factory=dict)
    sockets: list[Any] = field(default_factory=list)


EVENT_PREFIX = b'{"type":"event","id":'


class _ClientProtocol(asyncio.Protocol):
    """One client socket: the `websockets` Sans-I/O protocol under a bare asyncio protocol.

    No task per socket and no JSON parsing of event frames (the id is read from the prefix
    both servers write), so the load processes stay light on a machine they share with the
    server; the receive time is taken when the bytes arrive.
    """

    def __init__(self, url: str, origin: str, state: ClientState) -> None:
        from websockets.client import ClientProtocol
        from websockets.typing import Origin
        from websockets.uri import parse_uri

        self.ws = ClientProtocol(parse_uri(url), origin=Origin(origin), max_size=2**20)
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.open = False
        self.seen: set[int] = set()
        self.count = 0
        self.counted = False  # counted as live (between subscribed and connection lost)
        self.partial: list[bytes] = []
        self.last_id: int | None = None  # from the subscribed frame

    def subscribe_frame(self) -> bytes:
        return json.dumps({"type": "subscribe", "streams": [STREAM]}).encode()

    def _flush(self) -> None:
        assert self.transport is not None  # noqa: S101
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request = self.ws.connect()
        self.ws.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Frame, Opcode
        from websockets.protocol import State

        now = time.time()
        self.ws.receive_data(data)
        self._flush()
        for event in self.ws.events_received():
            if not isinstance(event, Frame):  # the handshake response
                if self.ws.handshake_exc is not None:
                    self._fail(self.ws.handshake_exc)
                    return
                if self.ws.state is State.OPEN:  # not when a close came with the handshake
                    self.ws.send_text(self.subscribe_frame())
                    self._flush()
                continue
            if event.opcode not in (Opcode.TEXT, Opcode.CONT):
                continue
            if not event.fin:
                self.partial.append(bytes(event.data))
                continue
            payload = bytes(event.data)
            if self.partial:
                payload = b"".join([*self.partial, payload])
                self.partial.clear()
            if payload.startswith(EVENT_PREFIX):
                end = payload.index(b",", len(EVENT_PREFIX))
                self._event(int(payload[len(EVENT_PREFIX) : end]), now)
            elif not self.subscribed.done():
                frame = json.loads(payload)
                kind = frame.get("type")
                if kind == "subscribed":
                    self.last_id = frame.get("last_id")
                    self.subscribed.set_result(None)
                elif kind in ("refused", "reset"):
                    self._fail(RuntimeError(kind))

    def _event(self, event_id: int, now: float) -> None:
        from websockets.protocol import State

        state = self.state
        if event_id in self.seen:
            state.dups += 1
            return
        self.seen.add(event_id)
        times = state.recv.get(event_id)
        if times is None:
            times = state.recv[event_id] = []
        times.append(now)
        self.count += 1
        if self.count % ACK_EVERY == 0 and self.ws.state is State.OPEN:
            self.ws.send_text(b'{"type":"ack","id":%d}' % event_id)
            self._flush()

    def _fail(self, exc: BaseException) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(exc or ConnectionError("closed during the handshake"))
        if self.counted:
            self.counted = False
            self.state.live -= 1
            code = self.ws.close_code
            self.state.closes[str(code) if code is not None else "abnormal"] += 1


async def _client(url: str, origin: str, state: ClientState) -> None:
    """Connect and subscribe within CONNECT_TIMEOUT, or count a failed connect."""
    from websockets.uri import parse_uri

    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    proto: _ClientProtocol | None = None
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            _, proto = await loop.create_connection(
                lambda: _ClientProtocol(url, origin, state), uri.host, uri.port
            )
            await proto.subscribed
    except BaseException as exc:
        state.failed += 1
        state.errors[type(exc).__name__] += 1
        if proto is not None and proto.transport is not None:
            proto.transport.abort()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return
    state.ok += 1
    state.live += 1
    proto.counted = True
    state.sockets.append(proto)


async def commands(conn: Any) -> AsyncIterator[Any]:
    """The commands a load process is sent, until its pipe closes."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            yield await loop.run_in_executor(None, conn.recv)
        except EOFError:
            return


async def _worker_main(conn: Any) -> None:
    state = ClientState()
    tasks: list[asyncio.Task[None]] = []
    async for cmd in commands(conn):
        kind = cmd[0]
        if kind == "connect":
            _, urls, origin, n = cmd
            started = time.monotonic()
            for i in range(n):
                url = urls[i % len(urls)]
                tasks.append(asyncio.create_task(_client(url, origin[url], state)))
            await asyncio.gather(*tasks, return_exceptions=True)
            conn.send(
                {
                    "ok": state.ok,
                    "failed": state.failed,
                    "errors": dict(state.errors),
                    "seconds": time.monotonic() - started,
                }
            )
        elif kind == "wait":
            # Until every client alive has each of these ids (or the deadline).
            _, ids, timeout = cmd
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all(len(state.recv.get(i, ())) >= state.live for i in ids):
                    break
                await asyncio.sleep(0.002)
            conn.send({"live": state.live})
        elif kind == "stats":
            _, ids = cmd
            out = {i: state.recv.pop(i, []) for i in ids}
            conn.send(
                {
                    "recv": out,
                    "dups": state.dups,
                    "live": state.live,
                    "closes": dict(state.closes),
                }
            )
            state.dups = 0
            state.closes.clear()
        elif kind == "close":
            for proto in state.sockets:
                if proto.transport is not None:
                    proto.transport.abort()
            await closed(conn, tasks)
            break


async def closed(conn: Any, tasks: list[asyncio.Task[None]]) -> None:
    """End the clients' tasks and tell the main process."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send({"closed": True})


def worker_entry(conn: Any, main: Any = None) -> None:
    """A load process: ``main(conn)`` (this module's clients unless told otherwise)."""
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run((main or _worker_main)(conn))


class Load:
    """The load processes, each with its share of the clients."""

    def __init__(self, workers: int, target: Any = None) -> None:
        ctx = multiprocessing.get_context("fork")
        self.pipes = []
        self.procs = []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=target or worker_entry, args=(child,), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    def ask(self, cmds: list[tuple[Any, ...]], timeout: float) -> list[dict[str, Any]]:
        for pipe, cmd in zip(self.pipes, cmds, strict=True):
            pipe.send(cmd)
        out = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError("load process did not answer")
            out.append(pipe.recv())
        return out

    def all(self, cmd: tuple[Any, ...], timeout: float) -> list[dict[str, Any]]:
        return self.ask([cmd] * len(self.pipes), timeout)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.all(("close",), 20)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(2)


# ============================================================================================
# Helper processes: setup, publisher, bare server
# ============================================================================================


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def cmd_setup() -> None:
    _django()
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from dialogue.models import Dialogue, Role, RoleKind, User

    Dialogue.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name_i18n": {"en": "Benchmark dialogue"},
            "acronym": "BN",
            "languages": ["en"],
        },
    )
    user, _ = User.objects.get_or_create(
        email="secretariat@bench.invalid", defaults={"full_name": "Bench Secretariat"}
    )
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    Role.objects.get_or_create(
        user=user, dialogue=Dialogue.objects.get(slug=SLUG), kind=RoleKind.SECRETARIAT_STAFF
    )
    # The secretariat has set up two-factor authentication (required of it), as in production.
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    if FLOOR:
        print(f"meeting={_floor_setup(user)}")
    print("ok")


def _floor_setup(staff: Any) -> int:
    """A public meeting in session with its first item under discussion and
    ``FLOOR_DELEGATIONS`` delegations, each with an approved participant who may ask for the
    floor. The rows of registration are written directly: this is a bench's fixture, and the
    actions measured (``request_floor``, ``withdraw_floor``) go through the services."""
    import datetime
    import secrets

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from dialogue.models import Body, Dialogue, State, User
    from meetings import agenda, services, session
    from meetings.models import Delegation, Nomination, NominationStatus

    dialogue = Dialogue.objects.get(slug=SLUG)
    body, _ = Body.objects.get_or_create(
        dialogue=dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_i18n={"en": "SOM"}
    )
    start = timezone.now().replace(microsecond=0)
    meeting = services.schedule_meeting(
        by=staff,
        dialogue=dialogue,
        body=body,
        kind="senior_officials_meeting",
        title={"en": "Bench SOM in session"},
        time_zone="Europe/Vienna",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
    )
    meeting = services.transition(by=staff, meeting=meeting, to="announced")
    item = agenda.add_item(by=staff, meeting=meeting, title={"en": "Tour of the region"})
    agenda.release_agenda(by=staff, meeting=meeting, note="Bench")
    meeting = services.transition(by=staff, meeting=meeting, to="in_session")
    for n in range(FLOOR_DELEGATIONS):
        state, _ = State.objects.get_or_create(
            code=f"{'QX'[n // 26]}{chr(65 + n % 26)}",
            defaults={"name_i18n": {"en": f"Bench state {n:02d}", "ru": f"Государство {n:02d}"}},
        )
        person, _ = User.objects.get_or_create(
            email=f"head{n}@bench.invalid", defaults={"full_name": f"Head {n}"}
        )
        EmailAddress.objects.get_or_create(
            user=person, email=person.email, defaults={"verified": True, "primary": True}
        )
        delegation = Delegation.objects.create(meeting=meeting, state=state)
        Nomination.objects.create(
            meeting=meeting,
            delegation=delegation,
            person=person,
            email=person.email,
            full_name=person.full_name,
            category="head_of_delegation",
            status=NominationStatus.APPROVED,
            nominated_by=staff,
            checkin_token=secrets.token_hex(16),
        )
    session.open_item(by=staff, meeting=meeting, item_key=item.pk)
    return int(meeting.pk)


class OursPublisher:
    def __init__(self) -> None:
        _django()
        from django.db import transaction
        from django.db.models.signals import post_save

        from dialogue.announcements import post_announcement
        from dialogue.models import Dialogue, User
        from notifications.models import Event

        self.transaction = transaction
        self.post_announcement = post_announcement
        self.dialogue = Dialogue.objects.get(slug=SLUG)
        self.user = User.objects.get(email="secretariat@bench.invalid")
        self.ids: list[int] = []
        post_save.connect(self._saved, sender=Event, weak=False)
        self.n = 0

    def _saved(self, sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:
            self.ids.append(instance.id)

    def _floor(self) -> None:
        """The n-th delegation asks for the floor; once all have, each withdraws in turn, then
        asks again: every post is one ``floor.*`` event on ``meeting:<id>``."""
        from meetings import session
        from meetings.models import FloorRequest, FloorStatus, Meeting, Nomination

        if not hasattr(self, "meeting"):
            self.meeting = Meeting.objects.get(title_i18n__en="Bench SOM in session")
            self.people = [
                n.person
                for n in Nomination.objects.filter(meeting=self.meeting)
                .select_related("person")
                .order_by("pk")
            ]
        person = self.people[(self.n - 1) % len(self.people)]
        waiting = FloorRequest.objects.filter(
            delegation__nominations__person=person, status=FloorStatus.WAITING
        ).first()
        if waiting is None:
            session.request_floor(by=person, meeting=self.meeting)
        else:
            session.withdraw_floor(by=person, request=waiting)

    def post(self) -> dict[str, Any]:
        self.n += 1
        stamp: list[float] = []
        self.ids.clear()
        # Our on_commit callback is registered before publish()'s relay callback, so it runs
        # first: the time right after COMMIT, before the relay to the channel layer.
        with self.transaction.atomic():
            self.transaction.on_commit(lambda: stamp.append(time.time()))
            if FLOOR:
                self._floor()
            else:
                self.post_announcement(
                    by=self.user,
                    dialogue=self.dialogue,
                    title=f"{TITLE} {self.n}",
                    body=BODY,
                    audience="public",
                )
        done = time.time()
        return {"id": self.ids[-1], "t": stamp[0], "t_done": done}


class BarePublisher:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.n = 0

    def post(self) -> dict[str, Any]:
        self.n += 1
        t = time.time()
        self.sock.sendall(b"%d\n" % self.n)
        self.file.readline()
        return {"id": self.n, "t": t, "t_done": time.time()}


def cmd_publisher(kind: str, port: str | None) -> None:
    pub: Any = OursPublisher() if kind == "ours" else BarePublisher(int(port or 0))
    out = sys.stdout
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "post":
            print(json.dumps(pub.post()), file=out, flush=True)
        elif cmd["cmd"] == "rate":
            rate, seconds = float(cmd["rate"]), float(cmd["seconds"])
            count = int(rate * seconds)
            start = time.monotonic() + 0.05
            events = []
            for i in range(count):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                events.append(pub.post())
            elapsed = time.monotonic() - start
            print(json.dumps({"events": events, "seconds": elapsed}), file=out, flush=True)
        elif cmd["cmd"] == "quit":
            break


async def _bare_server(port: int, trigger_port: int) -> None:
    import datetime

    from websockets.asyncio.server import broadcast, serve

    conns: set[Any] = set()

    async def handler(ws: Any) -> None:
        try:
            message = json.loads(await ws.recv())
            if message.get("type") != "subscribe":
                await ws.close(4400)
                return
            for stream in message["streams"]:
                await ws.send(json.dumps({"type": "subscribed", "stream": stream, "last_id": 0}))
            conns.add(ws)
            async for raw in ws:
                msg = json.loads(raw)
                if msg.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
        except Exception:  # noqa: S110 - a client went away
            pass
        finally:
            conns.discard(ws)

    async def trigger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            n = int(line)
            frame = json.dumps(
                {
                    "type": "event",
                    "id": n,
                    "stream": STREAM,
                    "event": "announcement.posted",
                    "data": {
                        "id": n,
                        "title": f"{TITLE} {n}",
                        "excerpt": BODY[:200],
                        "url": f"/dialogues/{SLUG}/#announcement-{n}",
                    },
                    "at": datetime.datetime.now(datetime.UTC).isoformat(),
                },
                separators=(",", ":"),
                ensure_ascii=False,
            )
            broadcast(conns, frame)
            writer.write(b"ok\n")
            await writer.drain()

    origin = f"http://127.0.0.1:{port}"
    async with serve(handler, "127.0.0.1", port, origins=[origin]):  # type: ignore[list-item]
        side = await asyncio.start_server(trigger, "127.0.0.1", trigger_port)
        async with side:
            await asyncio.Future()


def cmd_bare_server(port: int, trigger_port: int) -> None:
    raise_nofile()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_bare_server(port, trigger_port))


# ============================================================================================
# The environment: throwaway database, Redis db, servers
# ============================================================================================


class Environment:
    def __init__(self, force_sqlite: bool) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
        self.dbname = f"bench_{os.getpid()}"
        self.kind = "sqlite"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            # BENCH_DJANGO_SETTINGS: try a settings variant (a module importing config.settings).
            DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_DJANGO_SETTINGS", "config.settings"),
            DJANGO_DEBUG="false",
            LOG_LEVEL="WARNING",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            PYTHONUNBUFFERED="1",
            MEDIA_ROOT=str(self.tmp / "media"),
        )
        if not force_sqlite and self._postgres() and self._redis():
            self.kind = "postgres+redis"
            self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.dbname}"
            self.env["REDIS_URL"] = f"{REDIS_BASE}/{REDIS_DB}"
            self.env["CHANNEL_LAYER_PREFIX"] = f"bench{os.getpid()}"
            self.env["CACHE_KEY_PREFIX"] = f"bench{os.getpid()}"
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.sqlite3'}"

    @property
    def redis(self) -> bool:
        return self.kind == "postgres+redis"

    def _postgres(self) -> bool:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{self.dbname}"')
            self.pg_created = True
            return True
        except Exception as exc:
            log(f"PostgreSQL not usable ({type(exc).__name__}: {exc}); falling back to SQLite")
            return False

    def _redis(self) -> bool:
        try:
            import redis

            client = redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_timeout=3)
            client.flushdb()
            client.close()
            return True
        except Exception as exc:
            log(f"Redis not usable ({type(exc).__name__}: {exc}); falling back to SQLite")
            self._drop_pg()
            return False

    def _drop_pg(self) -> None:
        if not getattr(self, "pg_created", False):
            return
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            self.pg_created = False
        except Exception as exc:
            log(f"could not drop database {self.dbname}: {exc}")

    def prepare(self) -> None:
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - our own argv, no shell
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=300,
        )
        out = subprocess.run(  # noqa: S603 - our own argv, no shell
            [PY, str(BENCH / "live.py"), "setup"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        if "ok" not in out.stdout:
            raise RuntimeError(out.stderr)
        global STREAM
        for line in out.stdout.splitlines():
            if line.startswith("meeting="):
                STREAM = f"meeting:{line.removeprefix('meeting=')}"
        log(f"database ready ({self.kind}) in {time.monotonic() - started:.1f} s")

    def cleanup(self) -> None:
        self._drop_pg()
        if self.redis:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_timeout=3)
                client.flushdb()
                client.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Servers:
    """One or more server processes and the publisher that feeds them."""

    def __init__(self, env: Environment, kind: str, processes: int, app: str | None = None) -> None:
        self.env = env
        self.kind = kind
        self.app = app
        self.procs: list[subprocess.Popen[Any]] = []
        self.logs: list[Path] = []
        self.ports: list[int] = []
        self.argvs: list[list[str]] = []
        self.publisher: subprocess.Popen[str] | None = None
        try:
            self._start(processes)
        except BaseException:
            log("could not start the servers:\n" + self.log_tail())
            self.stop()
            raise

    def _start(self, processes: int) -> None:
        env, kind = self.env, self.kind
        trigger = None
        for i in range(processes):
            port = free_port()
            logfile = env.tmp / f"{kind}-{i}-{port}.log"
            self.logs.append(logfile)
            if kind == "ours":
                # BENCH_ASGI_APP: try a variant of the application (diagnosis of a fix);
                # BENCH_DAPHNE_BACKLOG: a listen queue longer than Twisted's default of 50.
                app = self.app or os.environ.get("BENCH_ASGI_APP", "config.asgi:application")
                backlog = os.environ.get("BENCH_DAPHNE_BACKLOG", "4096")  # as bin/serve runs it
                where = (
                    ["-e", f"tcp:port={port}:interface=127.0.0.1:backlog={int(backlog)}"]
                    if backlog
                    else ["-b", "127.0.0.1", "-p", str(port)]
                )
                argv = [DAPHNE, *where, app]
                # BENCH_OURS_COMMAND: another ASGI server for the same app, e.g.
                # "python -m uvicorn --port {port} {app}" ({port} and {app} are filled in).
                if os.environ.get("BENCH_OURS_COMMAND"):
                    argv = shlex.split(os.environ["BENCH_OURS_COMMAND"].format(port=port, app=app))
            else:
                trigger = free_port()
                argv = [
                    PY,
                    str(BENCH / "live.py"),
                    "bare-server",
                    str(port),
                    str(trigger),
                ]
            self.argvs.append(argv)
            self.procs.append(self._spawn(argv, logfile, "w"))
            self.ports.append(port)
        for port, proc in zip(self.ports, self.procs, strict=True):
            wait_port(port, proc)
        if trigger is not None:
            wait_port(trigger, self.procs[0])
        argv = [PY, str(BENCH / "live.py"), "publisher", kind]
        if trigger is not None:
            argv.append(str(trigger))
        self.publisher = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            argv,
            cwd=ROOT,
            env=env.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(env.tmp / f"publisher-{kind}.log", "w"),  # noqa: SIM115
            text=True,
        )
        ready = self._read(60)
        if not ready.get("ready"):
            raise RuntimeError("publisher did not start")

    def _spawn(self, argv: list[str], logfile: Path, mode: str) -> subprocess.Popen[Any]:
        with open(logfile, mode) as out:
            return subprocess.Popen(  # noqa: S603 - our own argv, no shell
                argv,
                cwd=ROOT,
                env=self.env.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=raise_nofile,
            )

    def stop_one(self, index: int, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Stop one server process as a restart does (it may close its sockets first)."""
        proc = self.procs[index]
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def start_one(self, index: int) -> float:
        """Start a stopped server process again on its port; returns when it accepts
        connections (time.time())."""
        self.procs[index] = proc = self._spawn(self.argvs[index], self.logs[index], "a")
        port = self.ports[index]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), 0.5):
                    return time.time()
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"server on port {port} did not listen within 60 s")

    @property
    def urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{p}/ws/live/" for p in self.ports]

    @property
    def origins(self) -> dict[str, str]:
        return {f"ws://127.0.0.1:{p}/ws/live/": f"http://127.0.0.1:{p}" for p in self.ports}

    def _read(self, timeout: float) -> dict[str, Any]:
        import selectors

        if self.publisher is None or self.publisher.stdout is None:
            raise RuntimeError("no publisher")
        sel = selectors.DefaultSelector()
        sel.register(self.publisher.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError("publisher did not answer")
        line = self.publisher.stdout.readline()
        if not line:
            raise RuntimeError(
                "publisher died: "
                + (self.env.tmp / f"publisher-{self.kind}.log").read_text()[-2000:]
            )
        return dict(json.loads(line))

    def command(self, cmd: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.publisher is None or self.publisher.stdin is None:
            raise RuntimeError("no publisher")
        self.publisher.stdin.write(json.dumps(cmd) + "\n")
        self.publisher.stdin.flush()
        return self._read(timeout)

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def rss(self) -> int:
        return sum(rss_kb(p.pid) for p in self.procs)

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def log_tail(self) -> str:
        """The servers' own messages (the access log lines are only counted)."""
        out = []
        for path in self.logs:
            if not path.exists():
                continue
            lines = path.read_text(errors="replace").splitlines()
            access = [ln for ln in lines if '"WS' in ln or '"GET' in ln]
            other = [ln for ln in lines if '"WS' not in ln and '"GET' not in ln]
            out.append(f"{path.name}: {len(access)} access-log lines")
            out.extend(other[-30:])
        return "\n".join(out)

    def stop(self) -> None:
        if self.publisher is not None:
            with contextlib.suppress(Exception):
                self.command({"cmd": "quit"}, 1)
            with contextlib.suppress(Exception):
                self.publisher.wait(5)
            if self.publisher.poll() is None:
                self.publisher.kill()
                self.publisher.wait(5)
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# ============================================================================================
# Scenarios
# ============================================================================================


def settle(servers: Servers, limit: float = 30.0) -> float:
    """Wait until the servers are idle (under 10 % of a core over half a second)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = servers.cpu()
        time.sleep(0.5)
        if servers.cpu() - before < 0.05:
            break
    return time.monotonic() - started


def start_profile(pyspy: str | None, servers: Servers, label: str) -> list[subprocess.Popen[Any]]:
    """Optional: py-spy samples the server processes (collapsed stacks in bench/results/)."""
    if not pyspy:
        return []
    out_dir = BENCH / "results" / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for i, proc in enumerate(servers.procs):
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own argv, no shell
                [
                    pyspy,
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--output",
                    str(out_dir / f"{label}-{i}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    time.sleep(0.5)
    return procs


def stop_profile(procs: list[subprocess.Popen[Any]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def _one_client_roundtrip(servers: Servers) -> float:
    """Warm-up: a client per server connects and subscribes, one event goes through."""
    from websockets.asyncio.client import connect

    sockets = []
    for url, origin in servers.origins.items():
        ws = await connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            compression=None,
            proxy=None,
            ping_interval=None,
            open_timeout=10,
        )
        await ws.send(json.dumps({"type": "subscribe", "streams": [STREAM]}))
        async with asyncio.timeout(10):
            while json.loads(await ws.recv()).get("type") != "subscribed":
                pass
        sockets.append(ws)
    loop = asyncio.get_running_loop()
    sent = await loop.run_in_executor(None, servers.command, {"cmd": "post"}, 30)
    for ws in sockets:
        async with asyncio.timeout(10):
            while json.loads(await ws.recv()).get("id") != sent["id"]:
                pass
    for ws in sockets:
        await ws.close()
    return time.time() - float(sent["t"])


def _collect(load: Load, events: list[dict[str, Any]]) -> tuple[dict[int, list[float]], int, dict]:
    ids = [e["id"] for e in events]
    answers = load.all(("stats", ids), 60)
    merged: dict[int, list[float]] = {i: [] for i in ids}
    dups = 0
    closes: Counter[str] = Counter()
    for a in answers:
        for i, times in a["recv"].items():
            merged[i].extend(times)
        dups += a["dups"]
        closes.update(a["closes"])
    return merged, dups, dict(closes)


def _latencies(events: list[dict[str, Any]], merged: dict[int, list[float]]) -> list[dict]:
    out = []
    for e in events:
        times = merged[e["id"]]
        if times:
            lat = [(t - e["t"]) * 1000 for t in times]
            out.append(
                {
                    "id": e["id"],
                    "t": e["t"],
                    "publish_ms": (e["t_done"] - e["t"]) * 1000,
                    "received": len(times),
                    "all_ms": max(lat),
                    "first_ms": min(lat),
                    "median_client_ms": statistics.median(lat),
                }
            )
        else:
            out.append({"id": e["id"], "t": e["t"], "received": 0, "all_ms": math.nan})
    return out


def _summary(per_event: list[dict]) -> dict[str, float]:
    values = [e["all_ms"] for e in per_event if e["received"]]
    return {
        "p50_ms": percentile(values, 50),
        "p99_ms": percentile(values, 99),
        "max_ms": max(values) if values else math.nan,
    }


def run_scenario(
    env: Environment,
    kind: str,
    processes: int,
    clients: int,
    events: int,
    sustained: tuple[float, float] | None,
    workers: int,
    profile: str | None = None,
) -> dict[str, Any]:
    server = os.environ.get("BENCH_OURS_LABEL") or (
        "custom server" if os.environ.get("BENCH_OURS_COMMAND") else "Daphne"
    )
    name = "bare websockets" if kind == "bare" else f"ours, {processes} {server}"
    if FLOOR and kind != "bare":
        name += ", floor requests"
    log(f"--- {name}: {clients} clients")
    result: dict[str, Any] = {
        "scenario": name,
        "kind": kind,
        "processes": processes,
        "clients": clients,
    }
    servers: Servers | None = None
    load: Load | None = None
    try:
        servers = Servers(env, kind, processes)
        warm = asyncio.run(_one_client_roundtrip(servers))
        log(f"warm-up event delivered in {warm * 1000:.0f} ms")
        time.sleep(1.0)
        rss0, cpu0, overflows0 = servers.rss(), servers.cpu(), listen_overflows()
        load = Load(workers)
        profiler = start_profile(profile, servers, f"{kind}{processes}-{clients}-connect")
        shares = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
        answers = load.ask(
            [("connect", servers.urls, servers.origins, n) for n in shares],
            CONNECT_TIMEOUT + 60,
        )
        ok = sum(a["ok"] for a in answers)
        failed = sum(a["failed"] for a in answers)
        errors: Counter[str] = Counter()
        for a in answers:
            errors.update(a["errors"])
        connect_s = max(a["seconds"] for a in answers)
        # Handshakes the clients gave up on may still be in the server's queues: let it drain
        # before reading memory and before the CPU of the delivery phases is counted.
        overflows = listen_overflows() - overflows0
        settle_s = settle(servers)
        cpu1 = servers.cpu()
        time.sleep(1.0)
        rss1 = servers.rss()
        stop_profile(profiler)
        result.update(
            connected=ok,
            failed_connects=failed,
            connect_errors=dict(errors),
            connect_seconds=connect_s,
            settle_seconds=settle_s,
            listen_overflows=overflows,
            cpu_ms_per_connect=(cpu1 - cpu0) * 1000 / max(ok + failed, 1),
            rss_before_kb=rss0,
            rss_idle_kb=rss1,
            kb_per_conn=(rss1 - rss0) / ok if ok else math.nan,
        )
        log(
            f"connected {ok}, failed {failed} {dict(errors) or ''} in {connect_s:.1f} s; "
            f"RSS {rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MB"
        )

        # One event at a time: publish, wait until every client has it, then the next.
        sent = []
        profiler = start_profile(profile, servers, f"{kind}{processes}-{clients}-events")
        meter = CpuMeter(servers, load)
        for _ in range(events):
            e = servers.command({"cmd": "post"}, 30)
            sent.append(e)
            load.all(("wait", [e["id"]], 10.0), 30)
            time.sleep(0.2)
        time.sleep(0.5)
        cpu = meter.stop()
        stop_profile(profiler)
        merged, dups, closes = _collect(load, sent)
        per_event = _latencies(sent, merged)
        delivered = sum(len(v) for v in merged.values())
        result["single"] = {
            **_summary(per_event),
            "events": events,
            "delivered": delivered,
            "lost": ok * events - delivered,
            "duplicates": dups,
            "closes": closes,
            "cpu_us_per_msg": cpu["server_cpu_s"] * 1e6 / delivered if delivered else math.nan,
            "cpu": cpu,
            "publish_ms_p50": statistics.median((e["t_done"] - e["t"]) * 1000 for e in sent),
            "per_event": per_event,
        }
        s = result["single"]
        log(
            f"single: p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, lost {s['lost']}, "
            f"CPU {s['cpu_us_per_msg']:.0f} us/msg"
        )

        if sustained is not None:
            rate, seconds = sustained
            profiler = start_profile(profile, servers, f"{kind}{processes}-{clients}-sustained")
            meter = CpuMeter(servers, load)
            answer = servers.command(
                {"cmd": "rate", "rate": rate, "seconds": seconds}, seconds * 4 + 30
            )
            sent = answer["events"]
            load.all(("wait", [e["id"] for e in sent], 15.0), 40)
            time.sleep(0.5)
            cpu = meter.stop()
            stop_profile(profiler)
            merged, dups, closes = _collect(load, sent)
            per_event = _latencies(sent, merged)
            delivered = sum(len(v) for v in merged.values())
            t0 = sent[0]["t"]
            first = [e["all_ms"] for e in per_event if e["t"] - t0 < 1.0 and e["received"]]
            last_start = sent[-1]["t"] - 1.0
            last = [e["all_ms"] for e in per_event if e["t"] > last_start and e["received"]]
            result["sustained"] = {
                **_summary(per_event),
                "rate": rate,
                "seconds": seconds,
                "achieved_rate": len(sent) / answer["seconds"] if answer["seconds"] else 0,
                "events": len(sent),
                "delivered": delivered,
                "lost": ok * len(sent) - delivered,
                "duplicates": dups,
                "closes": closes,
                "cpu_us_per_msg": cpu["server_cpu_s"] * 1e6 / delivered if delivered else math.nan,
                "cpu": cpu,
                "first_second_ms": statistics.median(first) if first else math.nan,
                "last_second_ms": statistics.median(last) if last else math.nan,
                "per_event": per_event,
            }
            s = result["sustained"]
            log(
                f"sustained {rate:g}/s x {seconds:g} s (achieved {s['achieved_rate']:.1f}/s): "
                f"p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, lost {s['lost']}, "
                f"first s {s['first_second_ms']:.0f} ms -> last s {s['last_second_ms']:.0f} ms"
            )
        result["server_alive"] = servers.alive()
        if not result["server_alive"]:
            log("SERVER DIED:\n" + servers.log_tail())
    except Exception as exc:
        failed(result, "scenario", exc)
    finally:
        tear_down(result, load, servers)
    return result


def failed(result: dict[str, Any], what: str, exc: Exception) -> None:
    log(f"{what} failed: {type(exc).__name__}: {exc}")
    result["error"] = f"{type(exc).__name__}: {exc}"


def tear_down(result: dict[str, Any], load: Load | None, servers: Servers | None) -> None:
    """Stop the clients and the servers of a scenario, keeping the end of the servers' log."""
    if load is not None:
        load.close()
    if servers is not None:
        servers.stop()
        result["server_log_tail"] = servers.log_tail()[-3000:]


# ============================================================================================
# Report
# ============================================================================================


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ratio(a: Any, b: Any) -> str:
    if not a or not b or any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        return "-"
    return f"{a / b:.1f}x"


def _mostly_connected(r: dict[str, Any]) -> bool:
    """Per-message and per-connection figures mean little when most connects failed."""
    return bool(r.get("connected")) and r["connected"] >= r["clients"] / 2


def _table(header: list[str], rows: list[list[Any]]) -> None:
    rows = [row + [""] * (len(header) - len(row)) for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def print_table(results: list[dict[str, Any]]) -> None:
    bare = {r["clients"]: r for r in results if r["kind"] == "bare" and "single" in r}
    header = [
        "scenario",
        "phase",
        "clients",
        "failed conn",
        "conn s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost",
        "CPU us/msg",
        "KB/conn",
        "p50 vs bare",
        "p99 vs bare",
        "CPU vs bare",
    ]
    rows: list[list[Any]] = []
    for r in results:
        ref = bare.get(r["clients"])
        if "single" not in r:
            rows.append([r["scenario"], "ERROR", r["clients"], r.get("error", "")[:60]])
            continue
        usable = _mostly_connected(r)
        for phase in ("single", "sustained"):
            s = r.get(phase)
            if s is None:
                continue
            rs = ref.get(phase) if ref and r["kind"] != "bare" else None
            first = phase == "single"
            rows.append(
                [
                    r["scenario"],
                    f"{s['events']} x 1 event"
                    if first
                    else f"{s['rate']:g}/s x {s['seconds']:g} s",
                    r["clients"],
                    r["failed_connects"] if first else "",
                    _fmt(r["connect_seconds"], 1) if first else "",
                    _fmt(s["p50_ms"]),
                    _fmt(s["p99_ms"]),
                    _fmt(s["max_ms"]),
                    s["lost"],
                    _fmt(s["cpu_us_per_msg"]) if usable else "-",
                    (_fmt(r["kb_per_conn"], 1) if usable else "-") if first else "",
                    _ratio(s["p50_ms"], rs["p50_ms"]) if rs and usable else "",
                    _ratio(s["p99_ms"], rs["p99_ms"]) if rs and usable else "",
                    _ratio(s["cpu_us_per_msg"], rs["cpu_us_per_msg"]) if rs and usable else "",
                ]
            )
    print()
    _table(header, rows)
    print(
        "p50/p99/max: over the events, of the time from the publisher's commit (bare: the "
        "trigger) until the last client has the event. '-' in CPU/KB: most connects failed."
    )
    print()

    # Where the CPU went, per phase (share of one core; the machine: out of all cores).
    header = [
        "scenario",
        "phase",
        "clients",
        "server %",
        "publisher %",
        "clients %",
        "machine %",
        "publish ms",
        "first s ms",
        "last s ms",
        "dups",
        "closes",
    ]
    rows = []
    for r in results:
        for phase in ("single", "sustained"):
            s = r.get(phase)
            if s is None:
                continue
            cpu = s["cpu"]
            rows.append(
                [
                    r["scenario"],
                    phase,
                    r["clients"],
                    f"{cpu['server'] * 100:.0f}",
                    f"{cpu['publisher'] * 100:.0f}",
                    f"{cpu['clients'] * 100:.0f}",
                    f"{cpu['machine'] * 100:.0f} of {100 * (os.cpu_count() or 1)}",
                    _fmt(s.get("publish_ms_p50"), 1) if phase == "single" else "",
                    _fmt(s.get("first_second_ms")) if phase == "sustained" else "",
                    _fmt(s.get("last_second_ms")) if phase == "sustained" else "",
                    s["duplicates"],
                    ",".join(f"{k}:{v}" for k, v in s["closes"].items()) or "-",
                ]
            )
    _table(header, rows)
    print(
        "publish ms: commit -> post_announcement() returned (relay included; bare: trigger "
        "round trip). first/last s: median all-clients latency of the first and last second "
        "of the sustained run (a growing backlog shows as last >> first)."
    )
    print()

    header = [
        "scenario",
        "clients",
        "connected",
        "failed",
        "errors",
        "listen overflows",
        "conn s",
        "ms CPU/connect",
        "RSS MB before -> idle",
    ]
    rows = []
    for r in results:
        if "connected" not in r:
            continue
        rows.append(
            [
                r["scenario"],
                r["clients"],
                r["connected"],
                r["failed_connects"],
                ",".join(f"{k}:{v}" for k, v in r["connect_errors"].items()) or "-",
                r["listen_overflows"],
                _fmt(r["connect_seconds"], 1),
                _fmt(r["cpu_ms_per_connect"], 2),
                f"{r['rss_before_kb'] / 1024:.0f} -> {r['rss_idle_kb'] / 1024:.0f}",
            ]
        )
    _table(header, rows)
    print(
        "Connect: all clients at once, 10 s each to connect and be subscribed. listen "
        "overflows: the kernel's count of connections dropped because the listen queue was full."
    )
    print()
    print(
        "Bars (../shared/QUALITY.md), on one Daphne: p99 within 2x of bare at 1,000; CPU per "
        "message <= 2.5x bare; 0 failed connects at 3,000 and all have the change within "
        "500 ms; <= 1.5 ms CPU per connect; 10/s at 1,000 with no growing backlog, 0 lost; "
        "<= 30 KB per idle connection. For reading: nothing here passes or fails."
    )


# ============================================================================================
# Entry
# ============================================================================================


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1000,3000", help="comma-separated client counts")
    parser.add_argument("--events", type=int, default=20, help="single events per scenario")
    parser.add_argument("--rate", type=float, default=10.0, help="sustained events per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="sustained duration")
    parser.add_argument(
        "--sustained-clients", default="1000", help="client counts that also run sustained"
    )
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument(
        "--two-daphne",
        choices=("auto", "yes", "no"),
        default="auto",
        help="also measure 2 Daphne processes (needs Redis); auto: yes unless --quick",
    )
    parser.add_argument(
        "--servers", default="bare,ours1,ours2", help="which servers: bare, ours1, ours2"
    )
    parser.add_argument("--sqlite", action="store_true", help="force SQLite + in-memory layer")
    parser.add_argument(
        "--profile", metavar="PY_SPY", help="path to py-spy: sample the servers per phase"
    )
    parser.add_argument("--quick", action="store_true", help="200 clients, 5 events, 3 s sustained")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="the event is a request for the floor in a meeting in session (meeting:<id>)",
    )
    args = parser.parse_args(argv)
    if args.floor:
        global FLOOR
        FLOOR = True
        os.environ["BENCH_EVENT"] = "floor"
    if args.quick:
        args.clients, args.events, args.sustained_clients, args.seconds = "200", 5, "200", 3.0
    counts = [int(c) for c in args.clients.split(",") if c]
    servers_wanted = set(args.servers.split(","))
    sustained_counts = {int(c) for c in args.sustained_clients.split(",") if c}

    raise_nofile()
    # Nothing runs unbounded: a watchdog ends the whole run (finally blocks clean up).
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("watchdog")))
    signal.alarm(20 * 60)
    started = time.time()
    env = Environment(args.sqlite)
    log(
        f"backend: {env.kind} "
        + (
            f"(database {env.dbname}, Redis db {REDIS_DB}, channels_redis core layer)"
            if env.redis
            else "(SQLite file, in-memory channel layer: the publisher is another process, so "
            "delivery falls back to the hub's 1 s log backstop)"
        )
    )
    log(f"{os.cpu_count()} cores; clients in {args.workers} load processes; loopback only")
    quiet_before = describe_load("before the run")
    two = env.redis and (args.two_daphne == "yes" or (args.two_daphne == "auto" and not args.quick))
    results: list[dict[str, Any]] = []
    try:
        env.prepare()
        for n in counts:
            sustained = (args.rate, args.seconds) if n in sustained_counts else None
            plan = [
                (kind, procs)
                for kind, procs in (("bare", 1), ("ours", 1), ("ours", 2))
                if f"{kind}{procs if kind == 'ours' else ''}" in servers_wanted
                and (procs == 1 or two)
            ]
            for kind, procs in plan:
                results.append(
                    run_scenario(
                        env, kind, procs, n, args.events, sustained, args.workers, args.profile
                    )
                )
    finally:
        signal.alarm(0)
        env.cleanup()
    quiet_after = describe_load("after the run")
    print_table(results)
    if max(quiet_before["busy_share"], quiet_after["busy_share"]) > 0.2:
        print(
            "WARNING: other processes kept the machine busy before/after the run; "
            "absolute figures and ratios are unreliable (see the machine % column)."
        )
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"live-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "started": started,
                "seconds": time.time() - started,
                "backend": env.kind,
                "cpus": os.cpu_count(),
                "args": vars(args),
                "machine_before": quiet_before,
                "machine_after": quiet_after,
                "results": results,
            },
            indent=1,
            default=str,
        )
    )
    log(f"results written to {path.relative_to(ROOT)}; whole run {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        cmd_setup()
    elif len(sys.argv) > 1 and sys.argv[1] == "publisher":
        cmd_publisher(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) > 1 and sys.argv[1] == "bare-server":
        cmd_bare_server(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(main())
