"""emotion_app/transport.py: a browser that answers aioice's consent checks late keeps its stream."""

import asyncio

import pytest
from aioice import ice, stun

from emotion_app import transport

KEY = b"browser-password"
RTO = 0.05  # s: aioice's 0.5 s, shortened so the schedule plays out in a fraction of a second


class Browser(asyncio.DatagramTransport):
    """The far end of a STUN exchange: answers each request ``delay`` seconds after it is sent (never
    with ``None``) and counts the requests."""

    def __init__(self, protocol: ice.StunProtocol, delay: float | None) -> None:
        super().__init__()
        self.protocol, self.delay, self.requests = protocol, delay, 0

    def sendto(self, data, addr=None) -> None:
        self.requests += 1
        if self.delay is None:
            return
        request = stun.parse_message(data)
        response = stun.Message(message_method=request.message_method, message_class=stun.Class.RESPONSE,
                                transaction_id=request.transaction_id)
        response.add_message_integrity(KEY)
        asyncio.get_running_loop().call_later(self.delay, self.protocol.datagram_received, bytes(response), addr)


def ask(delay: float | None, retransmissions: int | None) -> tuple[bool, int]:
    """Whether a request answered ``delay`` s late succeeds, and how many times it was sent."""

    async def exchange() -> tuple[bool, int]:
        protocol = ice.StunProtocol(receiver=None)
        browser = Browser(protocol, delay)
        protocol.connection_made(browser)
        request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        try:
            await protocol.request(request, ("127.0.0.1", 9), integrity_key=KEY, retransmissions=retransmissions)
            return True, browser.requests
        except stun.TransactionTimeout:
            return False, browser.requests

    return asyncio.run(exchange())


@pytest.fixture
def patient(monkeypatch):
    monkeypatch.setattr(stun, "RETRY_RTO", RTO)
    monkeypatch.setattr(ice.StunProtocol, "request", ice.StunProtocol.request)  # restored after the test
    transport.patient_consent_checks()


def test_a_consent_check_answered_several_times_its_timeout_late_still_counts(patient):
    # aioice's own check (no retransmission) failed after one RTO: the loaded server's sessions stopped
    assert ask(delay=5 * RTO, retransmissions=0) == (True, 3)


def test_a_consent_check_nobody_answers_fails_within_seven_timeouts(patient):
    assert ask(delay=None, retransmissions=0) == (False, 1 + transport.CONSENT_RETRANSMISSIONS)


def test_other_requests_keep_aioice_s_schedule(patient):
    assert ask(delay=None, retransmissions=None) == (False, 1 + ice.stun.RETRY_MAX)
    assert ask(delay=None, retransmissions=1) == (False, 2)


def test_applied_twice_it_wraps_once(patient):
    once = ice.StunProtocol.request
    transport.patient_consent_checks()
    assert ice.StunProtocol.request is once
