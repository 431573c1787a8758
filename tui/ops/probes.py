"""Probes from the outside, as a visitor sees the sites: HTTP, TLS, DNS, backups, containers.

Every outcome is a `ProbeResult` value with a short exact `detail`, never an exception: a probe
that raises, hangs or meets garbage becomes a failing result and the others go on. One shared
httpx client per TLS setting, a semaphore in front of it, and a total deadline per probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tui.base.clock import iso
from tui.base.config import Config, Site
from tui.base.durations import format_duration
from tui.base.sanitize import clean, shorten

CONCURRENCY = 32
CHECKS = ("http", "tls", "dns", "backup", "containers")


@dataclass(frozen=True)
class ProbeResult:
    site: str | None  # None for the platform-wide checks (backup, containers)
    check: str
    ok: bool
    latency_ms: float | None
    detail: str
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "check": self.check,
            "ok": self.ok,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "detail": self.detail,
            "at": iso(self.at),
            **({"extra": self.extra} if self.extra else {}),
        }


def _reason(exc: BaseException) -> str:
    """A short, exact wording of a connection failure."""
    import httpx

    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for link in chain:
        if isinstance(link, ConnectionRefusedError) or getattr(link, "errno", None) == 111:
            return "connection refused"
        if isinstance(link, ConnectionResetError) or getattr(link, "errno", None) == 104:
            return "connection reset by peer"
        if isinstance(link, ssl.SSLCertVerificationError):
            exc = link
            break
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, ssl.SSLCertVerificationError) or "certificate verify failed" in lowered:
        verify = getattr(exc, "verify_message", None)
        if verify:
            return f"certificate verify failed: {verify}"
        return "certificate verify failed: " + text.split("certificate verify failed:")[-1].strip(
            " ()_"
        )
    if "connection refused" in lowered or "errno 111" in lowered:
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError | TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed without a response"
    if "reset by peer" in lowered:
        return "connection reset by peer"
    if isinstance(exc, httpx.ReadError):
        return "connection broken while the answer was read"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name does not resolve"
    return shorten(clean(f"{type(exc).__name__}: {text}"), 160)


def _certificate_days(response: Any, now: datetime) -> float | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    cert = ssl_object.getpeercert()
    if cert and "notAfter" in cert:
        expires = float(ssl.cert_time_to_seconds(cert["notAfter"]))
    else:  # not verified (verify_tls = false): the certificate is still there, in DER
        der = ssl_object.getpeercert(binary_form=True)
        if not der:
            return None
        from cryptography import x509

        expires = x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()
    return (expires - now.timestamp()) / 86400


async def probe_http(
    client: Any, site: Site, config: Config, now: Callable[[], datetime]
) -> list[ProbeResult]:
    """GET the site (redirects followed): the http result, and for https the tls result."""
    results: list[ProbeResult] = []
    marks: dict[str, float] = {}

    async def trace(event: str, info: object) -> None:
        """httpcore's timings: the request's own, not the round's queue or the client's set-up."""
        if event.endswith(".started") and "start" not in marks:
            marks["start"] = time.perf_counter()  # connecting, or sending on a kept connection
        if event == "http11.receive_response_headers.complete" or event.endswith(
            "http2.receive_response_headers.complete"
        ):
            marks["headers"] = time.perf_counter()

    start = time.perf_counter()
    try:
        async with client.stream(
            "GET", site.url, timeout=site.timeout.total_seconds(), extensions={"trace": trace}
        ) as response:
            latency = (marks.get("headers", time.perf_counter()) - marks.get("start", start)) * 1000
            status = response.status_code
            days = _certificate_days(response, now()) if site.is_https else None
            phrase = clean(response.reason_phrase or "")
    except Exception as exc:  # every failure is a result
        reason = _reason(exc)
        try:
            request = exc.request  # type: ignore[attr-defined]  # httpx: the request that failed
        except (AttributeError, RuntimeError):
            request = None
        if request is not None and str(request.url) != site.url:
            reason = clean(f"{reason} at {request.url} (after a redirect)")
        results.append(ProbeResult(site.name, "http", False, None, reason, now()))
        if site.is_https:
            tls_detail = reason if "certificate" in reason else f"no TLS session: {reason}"
            results.append(ProbeResult(site.name, "tls", False, None, tls_detail, now()))
        return results
    ok = status == site.expect_status
    detail = f"{status} {phrase}".strip() + ("" if ok else f" (expected {site.expect_status})")
    results.append(ProbeResult(site.name, "http", ok, latency, detail, now(), {"status": status}))
    if site.is_https:
        if days is None:
            results.append(
                ProbeResult(site.name, "tls", False, None, "no certificate was presented", now())
            )
        else:
            left = format_duration(timedelta(days=abs(days)))
            text = (
                f"certificate expired {left} ago" if days < 0 else f"certificate expires in {left}"
            )
            extra: dict[str, Any] = {"days_left": round(days, 2)}
            if not site.verify_tls:  # the expiry is read all the same; the chain is not judged
                text += " (chain not verified: verify_tls = false)"
                extra["verified"] = False
            results.append(
                ProbeResult(site.name, "tls", days > config.tls_min_days, None, text, now(), extra)
            )
    return results


def _names(values: Iterable[Any]) -> set[str]:
    return {str(value).lower().rstrip(".") for value in values}


def _show(names: set[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"


async def probe_dns(site: Site, now: Callable[[], datetime]) -> ProbeResult:
    """The NS and A sets of `dns_name`, compared as sets with what the config expects."""
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    assert site.dns_name is not None
    resolver = dns.asyncresolver.Resolver(configure=site.nameserver is None)
    if site.nameserver:
        host, _, port = (
            site.nameserver.rpartition(":")
            if ":" in site.nameserver
            else (site.nameserver, "", "53")
        )
        resolver.nameservers = [host]
        resolver.port = int(port)
    lifetime = min(site.timeout.total_seconds(), 10.0)
    start = time.perf_counter()
    problems = []
    try:
        for rdtype, expected in (("NS", site.expect_ns), ("A", site.expect_a)):
            if expected is None and rdtype == "NS":
                continue
            if expected is None:  # no A set asked for: the name must resolve, A or AAAA
                try:
                    await resolver.resolve(site.dns_name, "A", lifetime=lifetime)
                except dns.resolver.NoAnswer:
                    await resolver.resolve(site.dns_name, "AAAA", lifetime=lifetime)
                continue
            answer = await resolver.resolve(site.dns_name, rdtype, lifetime=lifetime)
            got = _names(answer)
            if got != _names(expected):
                problems.append(f"{rdtype} {_show(got)} ≠ expected {_show(_names(expected))}")
    except dns.resolver.NXDOMAIN:
        return ProbeResult(
            site.name, "dns", False, None, f"NXDOMAIN: {site.dns_name} does not exist", now()
        )
    except dns.resolver.NoAnswer as exc:
        return ProbeResult(site.name, "dns", False, None, clean(f"no answer: {exc}"), now())
    except dns.resolver.NoNameservers as exc:
        return ProbeResult(site.name, "dns", False, None, _no_nameservers(exc), now())
    except dns.exception.Timeout:
        return ProbeResult(site.name, "dns", False, None, f"timed out after {lifetime:g} s", now())
    except Exception as exc:
        return ProbeResult(site.name, "dns", False, None, _reason(exc), now())
    latency = (time.perf_counter() - start) * 1000
    if problems:
        return ProbeResult(site.name, "dns", False, latency, "; ".join(problems), now())
    return ProbeResult(site.name, "dns", True, latency, "NS and A as expected", now())


def _no_nameservers(exc: Exception) -> str:
    """SERVFAIL and REFUSED told apart, from the answers dnspython kept."""
    import dns.rcode

    codes = set()
    for error in getattr(exc, "kwargs", {}).get("errors", []) or []:
        response = error[4] if len(error) > 4 else None
        if response is not None:
            codes.add(dns.rcode.to_text(response.rcode()))
    if codes:
        return f"{' and '.join(sorted(codes))} from every name server"
    return "no name server answered"


def probe_backup(root: Path, config: Config, now: datetime) -> ProbeResult:
    """Age of the newest file under `[backups].path` against `backup_max_age`."""
    assert config.backups_path is not None
    folder = Path(config.backups_path)
    folder = folder if folder.is_absolute() else root / folder
    newest: float | None = None
    future = 0  # files dated ahead of now: not fresh backups, clock skew or a forged date
    limit = now.timestamp() + 60
    stack = [folder]
    try:
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file() and not entry.name.startswith("."):
                        mtime = entry.stat().st_mtime
                        if mtime > limit:
                            future += 1
                            continue
                        newest = mtime if newest is None else max(newest, mtime)
    except FileNotFoundError:
        return ProbeResult(
            None, "backup", False, None, f"no backup folder at {clean(str(folder))}", now
        )
    except OSError as exc:
        return ProbeResult(
            None, "backup", False, None, clean(f"cannot read {folder}: {exc.strerror}"), now
        )
    skewed = (
        f"; {future} file{'s' if future > 1 else ''} dated in the future left out" if future else ""
    )
    if newest is None:
        return ProbeResult(
            None, "backup", False, None, f"no backup found under {clean(str(folder))}{skewed}", now
        )
    age = timedelta(seconds=now.timestamp() - newest)
    ok = age <= config.backup_max_age
    detail = (
        f"newest backup is {format_duration(age)} old"
        + ("" if ok else f" (limit {format_duration(config.backup_max_age)})")
        + skewed
    )
    return ProbeResult(None, "backup", ok, None, detail, now, {"age_s": int(age.total_seconds())})


# `docker ps` / `podman ps` statuses ("Up 3 hours (healthy)", "Exited (1) 2 minutes ago") and the
# plain words people print (`name<TAB>healthy`).
UP_WORDS = {"up", "healthy", "running"}
DOWN_WORDS = {
    "exited",
    "restarting",
    "created",
    "paused",
    "dead",
    "removing",
    "stopped",
    "starting",
    "unhealthy",
    "down",
    "failed",
    "error",
}


def parse_containers(output: str) -> tuple[list[str], list[str], list[str]]:
    """(running, failing, unparseable lines) from `name<TAB>status` lines."""
    running, failing, garbage = [], [], []
    for line in output.splitlines():
        if not line.strip():
            continue
        name, sep, status = line.partition("\t")
        if not sep or not name.strip():
            garbage.append(clean(line))
            continue
        name, status = clean(name.strip()), status.strip().lower()
        word = status.split(" ", 1)[0].strip("()")
        if "unhealthy" in status or word in DOWN_WORDS:
            failing.append(f"{name} ({clean(status)})")
        elif word in UP_WORDS:
            running.append(name)
        else:  # a shape nobody agreed on: said, never guessed good
            garbage.append(
                clean(f"{name}: status {status or '(empty)'!r} is not one the room reads")
            )
    return running, failing, garbage


async def run_command(
    command: str, timeout: float, stdin: bytes | None = None
) -> tuple[int | None, bytes, bytes]:
    """Run a shell command in its own process group; at `timeout` the whole group is killed.

    Returns (exit status, stdout, stderr); the status is None when the command timed out. Output is
    read until the command ends, never after the kill: a child that escaped the group and holds the
    pipes open cannot hold the caller.
    """
    process = await asyncio.create_subprocess_shell(
        command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a timeout kills the children too
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        await _kill_group(process)
        return None, b"", b""
    except asyncio.CancelledError:  # the round's deadline: the command goes with it
        await _kill_group(process)
        raise
    return process.returncode, out, err


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError, ProcessLookupError):
        await asyncio.wait_for(process.wait(), 1.0)
    for pipe in (process.stdout, process.stderr):  # stop reading: an escaped child may hold them
        transport = getattr(pipe, "_transport", None)
        if transport is not None:
            transport.close()


async def probe_containers(
    command: str, now: Callable[[], datetime], timeout: float = 10.0
) -> ProbeResult:
    start = time.perf_counter()
    try:
        code, out, err = await run_command(command, timeout)
    except OSError as exc:
        return ProbeResult(
            None, "containers", False, None, clean(f"cannot run the command: {exc}"), now()
        )
    if code is None:
        return ProbeResult(
            None, "containers", False, None, f"command timed out after {timeout:g} s", now()
        )
    latency = (time.perf_counter() - start) * 1000
    if code != 0:
        message = shorten(clean(err.decode("utf-8", "replace").strip() or "no message"), 120)
        return ProbeResult(
            None, "containers", False, latency, f"command exited {code}: {message}", now()
        )
    running, failing, garbage = parse_containers(out.decode("utf-8", "replace"))
    if garbage:
        detail = f"unreadable output: {shorten(garbage[0], 80)}"
        return ProbeResult(None, "containers", False, latency, detail, now())
    if not running and not failing:
        return ProbeResult(None, "containers", False, latency, "no containers listed", now())
    if failing:
        detail = f"{len(running)} running, {len(failing)} not: {shorten(', '.join(failing), 120)}"
        return ProbeResult(None, "containers", False, latency, detail, now(), {"failing": failing})
    return ProbeResult(None, "containers", True, latency, f"{len(running)} running", now())


def _ssl_context(root: Path, site: Site) -> ssl.SSLContext | bool:
    if not site.verify_tls:
        return False
    if site.ca_file:
        path = Path(site.ca_file)
        path = path if path.is_absolute() else root / path
        found = path.stat()
        return _verifying_context(str(path), (found.st_mtime_ns, found.st_size))
    return _verifying_context(None, None)


@functools.lru_cache(maxsize=16)
def _verifying_context(cafile: str | None, _version: tuple[int, int] | None) -> ssl.SSLContext:
    """Made once, not each round: loading the system's CA certificates costs ~40 ms of CPU. A
    site's own CA file is loaded again when it changes (its time and size are in the key)."""
    return ssl.create_default_context(cafile=cafile)


Arrived = Callable[[list[ProbeResult]], None]


@dataclass(frozen=True)
class _Job:
    """One probe of a round: the checks it answers for and the coroutine that answers."""

    site: str | None
    checks: tuple[str, ...]
    work: Any


def round_deadline(config: Config) -> float:
    """Seconds a whole round may take: the slowest probe's own deadline, and a margin."""
    longest = max(
        [site.timeout.total_seconds() + 2 for site in config.sites]
        + [config.containers_timeout.total_seconds() + 2]
    )
    return longest + 3


async def probe_round(
    root: Path,
    config: Config,
    now: Callable[[], datetime],
    concurrency: int = CONCURRENCY,
    on_result: Arrived | None = None,
) -> list[ProbeResult]:
    """One round over every configured check. Never raises.

    Each probe's results are handed to `on_result` as soon as they arrive (one slow site does not
    hold the others). A probe still unanswered at the round's deadline becomes a failed result.
    """
    import httpx

    gate = asyncio.Semaphore(concurrency)
    clients: dict[tuple[bool, str | None], httpx.AsyncClient] = {}
    results: list[ProbeResult] = []

    def client_for(site: Site) -> httpx.AsyncClient:
        key = (site.verify_tls, site.ca_file)
        if key not in clients:
            try:
                verify = _ssl_context(root, site)
            except (OSError, ssl.SSLError):
                verify = True  # the CA file is unreadable: the probe reports the failure
            clients[key] = httpx.AsyncClient(
                verify=verify,
                follow_redirects=True,
                limits=httpx.Limits(
                    max_connections=concurrency, max_keepalive_connections=concurrency
                ),
                headers={"user-agent": "sisyphus-room probe"},
            )
        return clients[key]

    async def guarded(job: _Job, deadline: float) -> list[ProbeResult]:
        async with gate:
            try:
                found = await asyncio.wait_for(job.work, deadline)
                return found if isinstance(found, list) else [found]
            except Exception as exc:
                reason = _reason(exc)
                return [
                    ProbeResult(job.site, check, False, None, reason, now()) for check in job.checks
                ]

    jobs: list[tuple[_Job, float]] = []
    for site in config.sites:
        deadline = site.timeout.total_seconds() + 2
        if (
            site.ca_file
            and not (root / site.ca_file).exists()
            and not Path(site.ca_file).is_absolute()
        ):
            missing = ProbeResult(
                site.name, "http", False, None, f"ca_file {site.ca_file} not found", now()
            )
            jobs.append((_Job(site.name, ("http",), _fixed([missing])), deadline))
        else:
            checks = ("http", "tls") if site.is_https else ("http",)
            work: Any = probe_http(client_for(site), site, config, now)
            jobs.append((_Job(site.name, checks, work), deadline))
        if site.dns_name:
            jobs.append((_Job(site.name, ("dns",), probe_dns(site, now)), deadline))
    if config.containers_command:
        timeout = config.containers_timeout.total_seconds()
        work = probe_containers(config.containers_command, now, timeout)
        jobs.append((_Job(None, ("containers",), work), timeout + 2))
    if config.backups_path:  # a file walk: in a thread, so a hanging mount cannot hold the round
        work = asyncio.to_thread(probe_backup, root, config, now())
        jobs.append((_Job(None, ("backup",), work), 30.0))
    tasks = {asyncio.ensure_future(guarded(job, deadline)): job for job, deadline in jobs}
    try:
        pending = set(tasks)
        limit = time.monotonic() + round_deadline(config)
        while pending:
            done, pending = await asyncio.wait(
                pending, timeout=max(limit - time.monotonic(), 0), return_when="FIRST_COMPLETED"
            )
            if not done:
                break
            for task in done:
                batch = task.result()
                results.extend(batch)
                if on_result is not None:
                    on_result(batch)
        late: list[ProbeResult] = []
        for task in pending:
            task.cancel()
            job = tasks[task]
            late.extend(
                ProbeResult(
                    job.site, check, False, None, "no answer within the round's deadline", now()
                )
                for check in job.checks
            )
        if late:
            results.extend(late)
            if on_result is not None:
                on_result(late)
    finally:
        for task in tasks:
            task.cancel()
        for client in clients.values():
            await client.aclose()
    return results


async def _fixed(results: list[ProbeResult]) -> list[ProbeResult]:
    return results


def run_round(root: Path, config: Config, now: Callable[[], datetime]) -> list[ProbeResult]:
    """One round from synchronous code (the command line)."""
    return asyncio.run(probe_round(root, config, now))
