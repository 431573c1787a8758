"""The checks the room runs, named once: the probes make them, the store keeps them, the
knowledge base matches them."""

from __future__ import annotations

CHECKS = ("http", "tls", "dns", "backup", "containers")
