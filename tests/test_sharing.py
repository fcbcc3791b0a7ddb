"""Serving to a room: addresses, the self-signed certificate, QR codes, `emotion-app serve --https`."""

import datetime
import ipaddress
from pathlib import Path

import cv2
import numpy as np
import pytest

from emotion_app import sharing
from emotion_app.cli import main

NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)


def decode_terminal_qr(text: str) -> str:
    """The text a terminal QR code (segno's compact blocks: light modules drawn) stands for."""
    halves = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}
    rows = []
    for line in text.rstrip("\n").splitlines():
        pairs = [halves[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    image = np.array(rows, np.uint8) * 255
    image = cv2.copyMakeBorder(image, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    image = cv2.resize(image, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return decoded


def test_qr_codes_decode_to_the_address():
    url = "https://192.168.1.20:8501/webcam"
    assert decode_terminal_qr(sharing.qr_terminal(url)) == url
    png = cv2.imdecode(np.frombuffer(sharing.qr_png(url), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert cv2.QRCodeDetector().detectAndDecode(png)[0] == url


def test_lan_addresses_are_reachable_ones():
    for address in sharing.lan_addresses():
        ip = ipaddress.ip_address(address)
        assert not ip.is_loopback and not ip.is_link_local


def names(cert_path: Path) -> set[str]:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*alt.get_values_for_type(x509.DNSName), *map(str, alt.get_values_for_type(x509.IPAddress))}


def test_the_self_signed_certificate_names_the_machine_and_is_kept_while_the_addresses_match(tmp_path):
    first = sharing.self_signed_certificate(tmp_path, ["192.168.1.20"], "laptop", NOW)
    assert names(first.cert) == {"localhost", "laptop", "127.0.0.1", "192.168.1.20"}
    assert first.key.stat().st_mode & 0o777 == 0o600
    sharing.check_pair(first.cert, first.key)
    made = first.cert.read_bytes()
    assert sharing.self_signed_certificate(tmp_path, ["192.168.1.20"], "laptop", NOW).cert.read_bytes() == made
    moved = sharing.self_signed_certificate(tmp_path, ["10.0.0.7"], "laptop", NOW)  # another network
    remade = moved.cert.read_bytes()
    assert "10.0.0.7" in names(moved.cert) and remade != made
    late = NOW + datetime.timedelta(days=sharing.CERT_DAYS - 1)  # about to end: made again
    assert sharing.self_signed_certificate(tmp_path, ["10.0.0.7"], "laptop", late).cert.read_bytes() != remade


@pytest.fixture
def no_server(monkeypatch, tmp_path):
    """``serve``'s exec into Streamlit, recorded instead of done: the commands it would run."""
    import os

    started = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.setattr(os, "chdir", lambda path: None)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return started


def test_serve_https_makes_a_certificate_and_prints_each_address_with_a_qr_code(no_server, tmp_path, capsys,
                                                                                monkeypatch):
    monkeypatch.setattr(sharing, "lan_addresses", lambda: ["192.168.1.20", "10.0.0.7"])
    assert main(["serve", "--https", "--server.port", "8600"]) == 0
    (command,) = no_server
    cert = tmp_path / "config" / "emotion-app" / "cert.pem"
    assert command[command.index("--server.sslCertFile") + 1] == str(cert)
    assert command[-2:] == ["--server.port", "8600"] and "--https" not in command
    assert {"192.168.1.20", "10.0.0.7"} <= names(cert)
    err = capsys.readouterr().err
    assert "https://192.168.1.20:8600/webcam" in err and "https://10.0.0.7:8600/webcam" in err
    assert "warns once" in err
    qr = err.split("https://10.0.0.7:8600/webcam\n", 1)[1].split("\n\n", 1)[0]
    assert decode_terminal_qr(qr) == "https://192.168.1.20:8600/webcam"  # the first address, as printed


def test_serve_https_takes_a_real_certificate(no_server, tmp_path, capsys):
    cert_pem, key_pem = sharing.make_certificate("example.org", [], NOW)
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    assert main(["serve", "--https", "--cert", str(tmp_path / "c.pem"), "--key", str(tmp_path / "k.pem")]) == 0
    (command,) = no_server
    assert command[command.index("--server.sslKeyFile") + 1] == str(tmp_path / "k.pem")
    assert "warns once" not in capsys.readouterr().err
    assert not (tmp_path / "config").exists()  # no certificate of our own was made


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "nothere.pem", d / "k.pem"), "does not exist"),
    (lambda d: ((d / "folder").mkdir() or d / "folder", d / "k.pem"), "cannot be read"),
    (lambda d: (write(d / "c.txt", b"hello"), d / "k.pem"), "is not a certificate"),
    (lambda d: (d / "c.pem", write(d / "other.pem", sharing.make_certificate("x", [], NOW)[1])), "does not match"),
    (lambda d: (d / "c.pem", write(d / "bad.pem", b"nope")), "is not a private key"),
])
def test_a_bad_certificate_or_key_is_one_line_and_no_server(no_server, tmp_path, capsys, make, message):
    cert_pem, key_pem = sharing.make_certificate("example.org", [], NOW)
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    cert, key = make(tmp_path)
    assert main(["serve", "--https", "--cert", str(cert), "--key", str(key)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
    assert "not started" in err and not no_server


@pytest.mark.parametrize("args, message", [
    (["--cert", "c.pem"], "--cert and --key go together"),
    (["--cert", "c.pem", "--key", "k.pem"], "add --https"),
    (["--https", "--server.port", "eighty"], "--server.port takes a number"),
])
def test_serve_options_that_do_not_fit_are_one_line(no_server, capsys, args, message):
    assert main(["serve", *args]) == 2
    assert message in capsys.readouterr().err and not no_server
