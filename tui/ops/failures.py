"""A probe's failure in a few exact words (`failure_reason`), and whether a certificate is to blame
(`certificate_cause`): shared by the probes, the delivery checks and a round's guard."""

from __future__ import annotations

from tui.base.sanitize import clean, shorten
from tui.ops.checks.base import Cause, cause_of

X509_V_ERR_CERT_HAS_EXPIRED = 10  # OpenSSL's verify code for a certificate past its notAfter


def failure_reason(exc: BaseException) -> str:
    """A short, exact wording of a connection failure."""
    import asyncio
    import ssl

    import httpx

    from tui.ops import http_get

    for link in _chain(exc):
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
    if isinstance(exc, httpx.RemoteProtocolError | http_get.ClosedEarly):
        return "connection closed without a response"
    if "reset by peer" in lowered:
        return "connection reset by peer"
    if isinstance(exc, httpx.ReadError | http_get.ReadBroken):
        return "connection broken while the answer was read"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name does not resolve"
    return shorten(clean(f"{type(exc).__name__}: {text}"), 160)


def certificate_cause(exc: BaseException, reason: str) -> Cause:
    """EXPIRED or CERTIFICATE when the handshake refused the certificate; FAILED otherwise.
    `reason` is `failure_reason(exc)`, which the caller has already."""
    import ssl

    for link in _chain(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            expired = link.verify_code == X509_V_ERR_CERT_HAS_EXPIRED
            return Cause.EXPIRED if expired else Cause.CERTIFICATE
    # The words alone (a wrapped error): read as a recorded detail is read.
    return cause_of("http", False, reason)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or during, once each."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain
