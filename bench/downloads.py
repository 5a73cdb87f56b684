"""Document download benchmark: a 200 MB document and a meeting's ZIP of 50 documents, served
by one Daphne process, with the server's memory growth (peak RSS above its level before the
request) and throughput, against a plain static file server measured in the same run (nginx
when installed, else Python's ``http.server``).

    .venv/bin/python bench/downloads.py              (about 2 minutes)
    .venv/bin/python bench/downloads.py --quick      (a 50 MB document, 20 in the ZIP)
    .venv/bin/python bench/run.py --documents-only   the same, through `make bench`

Scenarios:
  reference     the same file from the static server, full speed
  full speed    ``/documents/<id>/en/`` from Daphne, read as fast as the client can
  slow client   the same, read at 5 MB/s for 8 s (then the client hangs up)
  unpaced       the same two without ``PacedResponses`` (``bench/unpaced_asgi.py``): what
                Daphne does with a streamed response when nothing waits for the client
  upload        a 200 MB multipart upload to the document address, with and without
                ``install_daphne_guard`` and ``StreamedBodies`` (the unpaced server has neither:
                Twisted parses every multipart body into memory, and Daphne queues it whole)
  X-Accel       (with nginx) nginx in front of Daphne with ``DOCUMENTS_X_ACCEL_REDIRECT``: Daphne
                checks the permission and answers headers only, nginx sends the file
  ZIP           ``/meetings/<id>/documents.zip`` of 50 documents of 1 MB, full speed

Figures are for reading (see ../shared/QUALITY.md), never pass/fail. This module is also the
script of its Django helper process (``downloads.py helper``), which makes the data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import DAPHNE, PY, ROOT, describe_load, free_port, log, rss_kb, wait_port
from pages import Environment, stop_process

MB = 1024 * 1024
SLOW_RATE = 5 * MB
SLOW_SECONDS = 8.0
BAR_MB = 16


# ============================================================================================
# The helper process (Django environment): the data
# ============================================================================================


def _random_file(path: Path, size: int) -> None:
    """Incompressible bytes that the upload checks accept as a PDF."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        written = 9
        while written < size - 7:
            chunk = os.urandom(min(4 * MB, size - 7 - written))
            chunk = chunk.replace(b"<", b"(").replace(b"/", b"|").replace(b"%", b"&")
            out.write(chunk)
            written += len(chunk)
        out.write(b"\n%%EOF\n")


def cmd_helper(big_mb: int, zip_count: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from pages import _make_meeting

    from dialogue.models import Body, Dialogue, User
    from documents import services

    call_command("load_demo", quiet=True)
    user = User.objects.get(email="admin@demo.example.org")
    dialogue = Dialogue.objects.get(slug="budapest-process")
    body = Body.objects.filter(dialogue=dialogue, kind="senior_officials_meeting").first()
    meeting = _make_meeting(user, dialogue, body, 1, "Senior officials' meeting (documents bench)")
    scratch = Path(os.environ["MEDIA_ROOT"]).parent / "scratch"
    scratch.mkdir(exist_ok=True)

    def add(size: int, title: str, *, of_meeting: bool = True) -> Any:
        path = scratch / "upload.pdf"
        _random_file(path, size)
        with path.open("rb") as handle:
            return services.add_document(
                by=user,
                dialogue=dialogue,
                meeting=meeting if of_meeting else None,
                kind="report",
                title={"en": title},
                marking="public",
                language="en",
                upload=File(handle, name="report.pdf"),  # type: ignore[arg-type]  # a file, as an upload
            )

    started = time.monotonic()
    big = add(big_mb * MB, "A large report", of_meeting=False)  # not in the meeting's ZIP
    big_seconds = time.monotonic() - started
    for n in range(zip_count):
        add(MB, f"Paper {n + 1}")
    revision = big.revisions.get()
    print(
        json.dumps(
            {
                "big": big.pk,
                "size": revision.size,
                "path": revision.file.name,
                "meeting": meeting.pk,
                "add_seconds": big_seconds,
            }
        ),
        flush=True,
    )


# ============================================================================================
# Servers
# ============================================================================================


def start_daphne(env: Environment, app: str, extra: dict[str, str] | None = None) -> Any:
    port = free_port()
    logfile = env.tmp / f"daphne-{port}.log"
    with open(logfile, "w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [DAPHNE, "-b", "127.0.0.1", "-p", str(port), app],
            cwd=ROOT,
            env={**env.env, **(extra or {}), "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_port(port, proc)
    except BaseException:
        stop_process(proc)
        raise
    return proc, port


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{static_port};
        location / {{ root {media}; }}
    }}
    server {{
        listen 127.0.0.1:{proxy_port};
        location /protected/ {{ internal; alias {media}/; }}
        location / {{
            proxy_pass http://127.0.0.1:{daphne_port};
            proxy_set_header Host 127.0.0.1;
            proxy_buffering off;
        }}
    }}
}}
"""


def start_reference(env: Environment, media: Path, daphne_port: int) -> dict[str, Any]:
    """nginx (static files, and a proxy honouring X-Accel-Redirect) or Python's http.server."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if nginx:
        # nginx's workers run as another user when started by root: let them read the files.
        for folder in (env.tmp, media, *[p for p in media.rglob("*") if p.is_dir()]):
            folder.chmod(0o755)
        static_port, proxy_port = free_port(), free_port()
        conf = env.tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=env.tmp,
                media=media,
                static_port=static_port,
                proxy_port=proxy_port,
                daphne_port=daphne_port,
            )
        )
        proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [nginx, "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_port(static_port, proc)
        return {"name": "nginx", "proc": proc, "port": static_port, "proxy_port": proxy_port}
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
        [PY, "-m", "http.server", "-b", "127.0.0.1", "-d", str(media), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    wait_port(port, proc)
    return {"name": "python http.server", "proc": proc, "port": port, "proxy_port": None}


# ============================================================================================
# The client
# ============================================================================================


class RssSampler:
    """The peak RSS of a process while something runs, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = rss_kb(pid)
        self.peak = self.before
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.01)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_kb(self.pid))
        return (self.peak - self.before) / 1024


def download(
    port: int, path: str, *, rate: float | None = None, seconds: float | None = None
) -> dict[str, Any]:
    """GET ``path``; at ``rate`` bytes/s for at most ``seconds`` when given, else full speed."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        if rate:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        started = time.monotonic()
        head = b""
        while b"\r\n\r\n" not in head:
            part = connection.recv(65536)
            if not part:
                break
            head += part
        head, _, body = head.partition(b"\r\n\r\n")
        status = int(head.split()[1]) if head else 0
        received = len(body)
        step = 64 * 1024
        while True:
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            part = connection.recv(step if rate else MB)
            if not part:
                break
            received += len(part)
            if rate:
                due = started + received / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        elapsed = time.monotonic() - started
    return {"status": status, "bytes": received, "seconds": elapsed}


def upload(port: int, path: str, size: int) -> dict[str, Any]:
    """POST ``size`` bytes as one file of a multipart form, as fast as the server takes them."""
    boundary = b"bench-boundary-7f3a"
    head = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="report.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
    )
    tail = b"\r\n--" + boundary + b"--\r\n"
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary.decode()}\r\n"
            f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n".encode()
        )
        started = time.monotonic()
        connection.sendall(head)
        block = os.urandom(MB)
        sent = 0
        while sent < size:
            part = block[: min(MB, size - sent)]
            connection.sendall(part)
            sent += len(part)
        connection.sendall(tail)
        answer = connection.recv(65536)
        elapsed = time.monotonic() - started
    status = int(answer.split()[1]) if answer else 0
    return {"status": status, "bytes": size, "seconds": elapsed}


def measure(label: str, pid: int, port: int, path: str, **kwargs: Any) -> dict[str, Any]:
    sampler = RssSampler(pid)
    if "upload" in kwargs:
        result = upload(port, path, kwargs["upload"])
    else:
        result = download(port, path, **kwargs)
    growth = sampler.stop()
    time.sleep(0.5)  # let the server let go of the connection before the next scenario
    result.update(
        label=label,
        server_growth_mb=growth,
        mb_per_s=result["bytes"] / MB / result["seconds"] if result["seconds"] else 0.0,
    )
    log(
        f"{label}: {result['bytes'] / MB:.0f} MB in {result['seconds']:.1f} s, "
        f"server +{growth:.1f} MB (status {result['status']})"
    )
    return result


# ============================================================================================
# Report
# ============================================================================================


def print_report(results: dict[str, Any]) -> None:
    print()
    print(
        f"Document downloads, one Daphne process, {results['database']}; "
        f"reference: {results['reference']} in the same run"
    )
    reference = next((r for r in results["scenarios"] if r["label"] == "reference"), None)
    header = ["scenario", "status", "MB sent", "seconds", "MB/s", "vs reference", "server +MB"]
    rows = []
    for r in results["scenarios"]:
        ratio = (
            f"{r['mb_per_s'] / reference['mb_per_s']:.2f}x"
            if reference
            and reference["mb_per_s"]
            and not r.get("slow")
            and not r["label"].startswith("upload")
            else "-"
        )
        rows.append(
            [
                r["label"],
                r["status"],
                f"{r['bytes'] / MB:.0f}",
                f"{r['seconds']:.2f}",
                f"{r['mb_per_s']:.0f}",
                ratio,
                f"{r['server_growth_mb']:.1f}",
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    for i, row in enumerate([header, *rows]):
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print(f"  bar: server memory growth ≤ {BAR_MB} MB at any client speed (QUALITY.md)")
    print(f"  slow client: {SLOW_RATE // MB} MB/s for {SLOW_SECONDS:.0f} s, then it hangs up")


# ============================================================================================
# Main
# ============================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200, help="MB of the large document")
    parser.add_argument("--zip", type=int, default=50, help="documents in the meeting's ZIP")
    parser.add_argument("--quick", action="store_true", help="50 MB, 20 in the ZIP")
    parser.add_argument("--sqlite", action="store_true", help="SQLite + locmem even if PG/Redis")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.zip = 50, 20
    env = Environment(args.sqlite)
    media = env.tmp / "media"
    media.mkdir(parents=True, exist_ok=True)
    processes: list[Any] = []
    results: dict[str, Any] = {"database": env.kind, "scenarios": []}
    try:
        env.migrate()
        log(f"making the data: a {args.size} MB document and {args.zip} of 1 MB ({env.kind})")
        made = subprocess.run(  # noqa: S603 - our own argv, no shell
            [PY, str(Path(__file__).resolve()), "helper", str(args.size), str(args.zip)],
            cwd=ROOT,
            env=env.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        data = json.loads(made.stdout.strip().splitlines()[-1])
        log(f"the {args.size} MB upload was checked and stored in {data['add_seconds']:.1f} s")
        paced, port = start_daphne(env, "config.asgi:application")
        unpaced, unpaced_port = start_daphne(env, "bench.unpaced_asgi:application")
        accel, accel_port = start_daphne(
            env, "config.asgi:application", {"DOCUMENTS_X_ACCEL_REDIRECT": "/protected/"}
        )
        processes += [paced, unpaced, accel]
        reference = start_reference(env, media, accel_port)
        processes.append(reference["proc"])
        results["reference"] = reference["name"]
        describe_load("before")
        url = f"/documents/{data['big']}/en/"
        for p in (port, unpaced_port, accel_port):
            download(p, f"/meetings/{data['meeting']}/", seconds=5)  # warm up
            download(p, f"/documents/{data['big']}/", seconds=5)
        add = results["scenarios"].append
        add(measure("reference", reference["proc"].pid, reference["port"], "/" + data["path"]))
        add(measure("full speed", paced.pid, port, url))
        add(
            {
                **measure(
                    "slow client", paced.pid, port, url, rate=SLOW_RATE, seconds=SLOW_SECONDS
                ),
                "slow": True,
            }
        )
        add(measure("unpaced, full speed", unpaced.pid, unpaced_port, url))
        add(
            {
                **measure(
                    "unpaced, slow client",
                    unpaced.pid,
                    unpaced_port,
                    url,
                    rate=SLOW_RATE,
                    seconds=SLOW_SECONDS,
                ),
                "slow": True,
            }
        )
        if reference["proxy_port"]:
            x = measure("X-Accel (Daphne)", accel.pid, reference["proxy_port"], url)
            add(x)
        add(
            measure(
                f"ZIP of {args.zip} documents",
                paced.pid,
                port,
                f"/meetings/{data['meeting']}/documents.zip",
            )
        )
        # An upload to the document address (anonymous: Django answers with the sign-in page
        # once it has the body): Twisted's own parsing of multipart bodies is what differs.
        upload_path = f"/meetings/{data['meeting']}/documents/new/"
        add(measure(f"upload {args.size} MB", paced.pid, port, upload_path, upload=args.size * MB))
        add(
            measure(
                f"upload {args.size} MB, unguarded",
                unpaced.pid,
                unpaced_port,
                upload_path,
                upload=args.size * MB,
            )
        )
        describe_load("after")
        print_report(results)
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (out / f"documents-{stamp}.json").write_text(json.dumps(results, indent=2))
        return 0
    finally:
        for proc in processes:
            stop_process(proc)
        env.cleanup()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "helper":
        cmd_helper(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(main())
