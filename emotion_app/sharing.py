"""Serving the app to a room: this machine's network addresses, a certificate so phones may open
their cameras (browsers give the camera only to ``https://`` pages and ``localhost``), and QR codes
of the address to open. No Streamlit.

The certificate is self-signed for this machine: its host name, ``localhost``, ``127.0.0.1`` and
every non-loopback address it has, valid a year, kept in the user's config folder and made again
only when the addresses change or it nears its end. Phones warn once that they do not know who
signed it; a real certificate (``--cert``/``--key``) avoids that.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

CERT_DAYS = 365
RENEW_DAYS = 14  # a kept certificate this close to its end is made again
DEFAULT_PORT = 8501  # Streamlit's


class CertificateError(ValueError):
    """A certificate or key that cannot be served; the message is one line for the user."""


def config_dir(environ: dict[str, str] | None = None) -> Path:
    """Where the self-signed certificate is kept: ``$XDG_CONFIG_HOME/emotion-app`` (``~/.config``)."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "emotion-app"


# --- addresses ---------------------------------------------------------------------------------


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses others on its networks can reach (not loopback, not
    link-local), the one of the default route first."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # no packet is sent: connecting a UDP socket only picks the route's source address
            probe.connect(("10.255.255.255", 1))
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    found += _interface_addresses()
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        pass
    return [a for a in dict.fromkeys(found) if _reachable(a)]


def _reachable(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _interface_addresses() -> list[str]:
    """Each network interface's IPv4 address, on Linux (SIOCGIFADDR); elsewhere none."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl
    import struct

    addresses = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:  # an interface without an IPv4 address
                continue
            addresses.append(socket.inet_ntoa(packed[20:24]))
    return addresses


def https_urls(addresses: list[str], port: int, path: str = "") -> list[str]:
    return [f"https://{address}:{port}/{path}" for address in addresses]


# --- the certificate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    self_signed: bool


def self_signed_certificate(folder: Path, addresses: list[str], hostname: str | None = None,
                            now: datetime.datetime | None = None) -> Certificate:
    """The kept certificate in ``folder`` if it names every one of ``addresses`` and is not near its
    end; otherwise a new one, written there (the key readable by this user alone)."""
    hostname = hostname or socket.gethostname()
    now = now or datetime.datetime.now(datetime.UTC)
    cert, key = folder / "cert.pem", folder / "key.pem"
    wanted = {"localhost", hostname, "127.0.0.1", *addresses}
    if cert.is_file() and key.is_file():
        try:
            kept = _load_certificate(cert)
            if wanted <= _names(kept) and kept.not_valid_after_utc - now > datetime.timedelta(days=RENEW_DAYS):
                check_pair(cert, key)
                return Certificate(cert, key, self_signed=True)
        except CertificateError:
            pass  # ours, damaged: made again
    folder.mkdir(parents=True, exist_ok=True)
    cert_pem, key_pem = make_certificate(hostname, addresses, now)
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key_pem)
    cert.write_bytes(cert_pem)
    return Certificate(cert, key, self_signed=True)


def make_certificate(hostname: str, addresses: list[str], now: datetime.datetime) -> tuple[bytes, bytes]:
    """A self-signed certificate (PEM) for ``hostname``, ``localhost``, ``127.0.0.1`` and
    ``addresses``, valid ``CERT_DAYS`` days, and its P-256 key (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"emotion-app on {hostname}"[:64])])
    dns = [x509.DNSName(n) for n in dict.fromkeys(["localhost", hostname])]
    ips = [x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(["127.0.0.1", *addresses])]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.SubjectAlternativeName(dns + ips), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"the {what} {path} does not exist") from None
    except OSError as error:
        raise CertificateError(f"the {what} {path} cannot be read: {error.strerror or error}") from None


def _load_certificate(path: Path):
    from cryptography import x509

    data = _read(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(f"{path} is not a certificate (a PEM file beginning '-----BEGIN CERTIFICATE-----')"
                               ) from None


def _names(cert) -> set[str]:
    from cryptography import x509

    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {*names.get_values_for_type(x509.DNSName), *map(str, names.get_values_for_type(x509.IPAddress))}


def check_pair(cert_path: Path, key_path: Path) -> None:
    """Raise ``CertificateError`` (one line) unless ``cert_path`` is a certificate and ``key_path``
    its private key."""
    from cryptography.hazmat.primitives import serialization

    cert = _load_certificate(cert_path)
    data = _read(key_path, "key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateError(f"the key {key_path} is protected by a password: Streamlit needs it without one"
                               ) from None
    except ValueError:
        raise CertificateError(f"{key_path} is not a private key (a PEM file beginning '-----BEGIN ... PRIVATE "
                               f"KEY-----')") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, public)
            != cert.public_key().public_bytes(serialization.Encoding.DER, public)):
        raise CertificateError(f"the key {key_path} does not match the certificate {cert_path}")


# --- QR codes ------------------------------------------------------------------------------------


def qr_terminal(text: str) -> str:
    """``text`` as a QR code drawn with block characters, for a terminal."""
    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_png(text: str, scale: int = 10) -> bytes:
    """``text`` as a QR code, a PNG (black on white, quiet zone included)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
