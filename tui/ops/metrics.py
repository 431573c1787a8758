"""`/metrics` for Prometheus: what the watcher measures, through prometheus-client.

Counters grow with every round (probes, failures, and the SLO *events* exactly as the room's
history counts them, so that rules computed from them and the room's own budgets agree); gauges
say the state now (budgets, burn rates, freeze, tickets per role, incidents, deliveries). Label
values are bounded: a site name, a check, an SLO name, a role, a window — never ticket text.

The exposition is OpenMetrics when the scraper asks for it (Prometheus does), else the classic
text format. Bound to anything but loopback, the endpoint wants a bearer token.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder

from tui.base.config import Config
from tui.bus.scanner import BusSnapshot, summarize
from tui.ops.checks import ProbeResult, checks_for
from tui.ops.outcomes import OpsView
from tui.ops.slo import events

PLATFORM = "platform"  # the site label of the platform-wide checks (backups, containers)


class MetricsError(Exception):
    """The metrics endpoint cannot start as configured; worded for a person."""


def latency_buckets(config: Config) -> tuple[float, ...]:
    """Seconds; one bucket edge at the latency SLO's threshold, so rules can count slow probes."""
    edges = {0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, config.latency_p95_ms / 1000}
    return (*sorted(edges), float("inf"))


class Metrics:
    def __init__(self, config: Config, vantage: str) -> None:
        # No `_created` series beside every counter and histogram: a third of the bytes, and
        # Prometheus does not need them to compute rates.
        disable_created_metrics()
        self.vantage = vantage
        self.registry = CollectorRegistry(auto_describe=True)
        r, v = self.registry, ("vantage",)
        self.probes = Counter("sisyphus_probe", "Probes run", ("site", "check", *v), registry=r)
        self.failures = Counter(
            "sisyphus_probe_failures", "Probes that failed", ("site", "check", *v), registry=r
        )
        self.latency = Histogram(
            "sisyphus_probe_latency_seconds",
            "Time to the answer of a probe that answered",
            ("site", "check", *v),
            buckets=latency_buckets(config),
            registry=r,
        )
        self.slo_events = Counter(
            "sisyphus_slo_events",
            "SLO events (one per probe and SLO it counts for)",
            ("site", "slo", *v),
            registry=r,
        )
        self.slo_bad = Counter(
            "sisyphus_slo_bad_events", "SLO events that were bad", ("site", "slo", *v), registry=r
        )
        self.cert_left = Gauge(
            "sisyphus_tls_certificate_expiry_seconds",
            "Seconds until the served certificate's notAfter",
            ("site", *v),
            registry=r,
        )
        self.backup_age = Gauge(
            "sisyphus_backup_age_seconds", "Age of the newest backup", v, registry=r
        )
        self.containers = Gauge(
            "sisyphus_containers_healthy", "1 when every container is healthy", v, registry=r
        )
        self.budget = Gauge(
            "sisyphus_error_budget_remaining",
            "Share of the SLO window's error budget left, as the room computes it",
            ("site", "slo"),
            registry=r,
        )
        self.burn = Gauge(
            "sisyphus_burn_rate",
            "Burn rate over a window, as the room computes it",
            ("site", "slo", "window"),
            registry=r,
        )
        self.freeze = Gauge("sisyphus_deploy_freeze", "1 during a deploy freeze", registry=r)
        self.tickets = Gauge("sisyphus_tickets", "Tickets in an inbox", ("role",), registry=r)
        self.responses = Gauge(
            "sisyphus_responses_waiting", "Responses waiting in an inbox", ("role",), registry=r
        )
        self.stale = Gauge(
            "sisyphus_stale_clarifications",
            "Stale clarifications in an inbox",
            ("role",),
            registry=r,
        )
        self.malformed = Gauge(
            "sisyphus_malformed_tickets",
            "Files in an inbox that are no ticket",
            ("role",),
            registry=r,
        )
        self.incidents = Gauge(
            "sisyphus_incidents_open", "Open incidents by state", ("state",), registry=r
        )
        self.not_live = Gauge(
            "sisyphus_deliveries_not_live",
            "Tickets marked done whose verify URL fails",
            registry=r,
        )
        self.oldest = Gauge(
            "sisyphus_inbox_oldest_seconds",
            "Age of the oldest ticket waiting in an inbox (0 when empty)",
            ("role",),
            registry=r,
        )
        self.moved = Counter(  # sisyphus_tickets (a gauge) is what an inbox holds now
            "sisyphus_tickets_moved",
            "Tickets that arrived in (direction=in) or left (direction=out) an inbox, seen "
            "between two scans of the watcher",
            ("role", "direction"),
            registry=r,
        )
        self._inboxes: dict[str, set[str]] | None = None  # paths per role at the last scan
        self.maintenance = Gauge(
            "sisyphus_maintenance",
            "1 while the site is in a maintenance window (its bad probes are not counted)",
            ("site",),
            registry=r,
        )
        self._lock = threading.Lock()
        self._site_series: list[tuple[Any, tuple[str, ...]]] = [
            (self.probes, ("site", "check", "vantage")),
            (self.failures, ("site", "check", "vantage")),
            (self.latency, ("site", "check", "vantage")),
            (self.slo_events, ("site", "slo", "vantage")),
            (self.slo_bad, ("site", "slo", "vantage")),
            (self.cert_left, ("site", "vantage")),
            (self.budget, ("site", "slo")),
            (self.burn, ("site", "slo", "window")),
            (self.maintenance, ("site",)),
        ]
        self.sites: list[str] = []
        self.configure(config)

    def configure(self, config: Config) -> None:
        """Every configured site's series exist from the first scrape on, at 0: a rate over a
        window then counts the first round too, and "no failures" is 0, not absent."""
        from tui.ops.rules import slos_of

        vantage = self.vantage
        self.sites = [site.name for site in config.sites]
        for name in self.sites:
            self.maintenance.labels(name)
        for site, slo in slos_of(config):
            self.slo_events.labels(site, slo, vantage)
            self.slo_bad.labels(site, slo, vantage)
        for configured in config.sites:
            for check in checks_for(configured, config):
                self.probes.labels(configured.name, check, vantage)
                self.failures.labels(configured.name, check, vantage)

    def forget(self, sites: Iterable[str]) -> int:
        """Remove every series of these sites (a reload dropped them); returns how many."""
        gone = set(sites)
        removed = 0
        with self._lock:
            for metric, names in self._site_series:
                seen = set()
                for family in metric.collect():
                    for sample in family.samples:
                        if sample.labels.get("site") in gone:
                            seen.add(tuple(sample.labels.get(name, "") for name in names))
                for values in seen:
                    with contextlib.suppress(KeyError):
                        metric.remove(*values)
                        removed += 1
        return removed

    def observe_round(self, results: Iterable[ProbeResult], config: Config) -> None:
        v = self.vantage
        with self._lock:
            for result in results:
                site = result.site or PLATFORM
                self.probes.labels(site, result.check, v).inc()
                failures = self.failures.labels(site, result.check, v)  # exists from 0 on
                if not result.ok:
                    failures.inc()
                if result.ok and result.latency_ms is not None and result.check == "http":
                    self.latency.labels(site, result.check, v).observe(result.latency_ms / 1000)
                for slo, good in events(result, config):
                    self.slo_events.labels(site, slo, v).inc()
                    bad = self.slo_bad.labels(site, slo, v)  # a ratio needs both series, 0 too
                    if not good:
                        bad.inc()
                days = result.extra.get("days_left")
                if result.check == "tls" and isinstance(days, int | float):
                    self.cert_left.labels(site, v).set(days * 86400)
                age = result.extra.get("age_s")
                if result.check == "backup" and isinstance(age, int | float):
                    self.backup_age.labels(v).set(age)
                if result.check == "containers":
                    self.containers.labels(v).set(1 if result.ok else 0)

    def set_view(self, view: OpsView) -> None:
        with self._lock:
            for status in view.budget.statuses:
                site = status.site or PLATFORM
                if status.budget_remaining is not None:
                    self.budget.labels(site, status.name).set(status.budget_remaining)
                for window, rate in status.burn.items():
                    if rate is not None:
                        self.burn.labels(site, status.name, window).set(rate)
            self.freeze.set(1 if view.budget.freeze else 0)
            for state in ("triggered", "acknowledged"):
                self.incidents.labels(state).set(sum(1 for i in view.incidents if i.state == state))
            self.not_live.set(len(view.not_live))
            for site in self.sites:
                self.maintenance.labels(site).set(1 if site in view.quiet else 0)

    def set_bus(self, bus: BusSnapshot, config: Config, now: Any) -> None:
        with self._lock:
            for row in summarize(bus, now, config.stale_after):
                age = (now - row.oldest).total_seconds() if row.oldest else 0.0
                self.oldest.labels(row.role).set(max(age, 0.0))
                self.tickets.labels(row.role).set(row.tickets)
                self.responses.labels(row.role).set(row.responses)
                self.stale.labels(row.role).set(row.stale)
                self.malformed.labels(row.role).set(row.malformed)
            inboxes: dict[str, set[str]] = {role: set() for role in bus.roles}
            for ticket in bus.tickets:
                inboxes.setdefault(ticket.role, set()).add(ticket.path)
            if self._inboxes is not None and not bus.unreadable:  # a first scan is the baseline
                for role, paths in inboxes.items():
                    before = self._inboxes.get(role, set())
                    self.moved.labels(role, "in").inc(len(paths - before))
                    self.moved.labels(role, "out").inc(len(before - paths))
            self._inboxes = inboxes

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept or "")
        with self._lock:
            return encoder(self.registry), content_type


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """`GET /metrics` on `[metrics] listen`, in a thread; a bearer token off loopback."""

    def __init__(self, metrics: Metrics, config: Config) -> None:
        assert config.metrics_listen is not None
        host, _, port = config.metrics_listen.rpartition(":")
        token = os.environ.get(config.metrics_token_env) if config.metrics_token_env else None
        if config.metrics_token_env and not token:
            raise MetricsError(
                f"[metrics] token_env: ${config.metrics_token_env} is not set in the environment"
            )
        if not _loopback(host) and not token:
            raise MetricsError(
                f"[metrics] listen = {config.metrics_listen!r} is not loopback: set [metrics] "
                "token_env to the name of a variable holding a bearer token"
            )
        self.protected = token is not None
        expected = token.encode() if token else None

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404, "only /metrics is here")
                    return
                scheme, _, given = self.headers.get("Authorization", "").strip().partition(" ")
                if expected is not None and not (
                    scheme.lower() == "bearer"  # the scheme is case-insensitive (RFC 9110 11.1)
                    and hmac.compare_digest(given.strip().encode(), expected)
                ):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", "Bearer")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, content_type = metrics.exposition(self.headers.get("Accept"))
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        bare = host.strip("[]")
        server_class = _V6Server if ":" in bare else ThreadingHTTPServer
        try:
            self.server = server_class((bare, int(port)), Handler)
        except OSError as exc:
            raise MetricsError(
                f"[metrics] listen = {config.metrics_listen!r}: {exc.strerror or exc}"
            ) from None
        self.server.daemon_threads = True
        self.address = f"{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop serving now. The serve loop reads its stop flag only when its poll wakes (every
        0.5 s): connections of our own wake it, so a stop or a reload does not wait that out."""
        if self._thread.is_alive():
            stopping = threading.Thread(target=self.server.shutdown, daemon=True)
            stopping.start()
            host, port = self.server.server_address[:2]
            where = (str(host), int(port))
            while stopping.is_alive():
                with contextlib.suppress(OSError):
                    socket.create_connection(where, timeout=0.2).close()
                stopping.join(0.05)
        self.server.server_close()


def reload_endpoint(
    metrics: Metrics | None,
    server: MetricsServer | None,
    old: Config,
    new: Config,
    host: str,
    log: Callable[[str, dict[str, Any]], None],
) -> tuple[Metrics | None, MetricsServer | None]:
    """A reload's `[metrics]`: the series of removed sites go, new sites' start at 0, and when
    the address or token changed the endpoint moves; if it cannot, the old endpoint is kept and
    said. Counters go on across a reload (Prometheus sees no reset). Returns what now serves."""
    if not new.metrics_listen:
        if server is not None:
            server.stop()
            log("metrics stopped", {"reason": "[metrics] listen removed"})
        return None, None
    metrics = metrics or Metrics(new, new.vantage or host)
    metrics.forget({s.name for s in old.sites} - {s.name for s in new.sites})
    metrics.configure(new)
    same = (old.metrics_listen, old.metrics_token_env) == (
        new.metrics_listen,
        new.metrics_token_env,
    )
    if server is not None and same:
        return metrics, server
    if server is not None:
        server.stop()  # its port is free for the new one (the same address, usually)
    try:
        started = MetricsServer(metrics, new)
    except MetricsError as exc:
        kept = None
        if old.metrics_listen:
            with contextlib.suppress(MetricsError):
                kept = MetricsServer(metrics, old)
                kept.start()
        # Said once the old endpoint answers again (a scraper told "kept" may ask at once).
        said = "the old endpoint" if kept else "none: the old address could not be taken again"
        log("metrics not reloaded", {"error": str(exc), "kept": said})
        return metrics, kept
    started.start()
    log("metrics listening", {"url": f"http://{started.address}/metrics"})
    return metrics, started
