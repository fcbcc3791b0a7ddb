"""WebRTC transport settings the webcam page needs from aiortc's ICE layer (aioice), which exposes no option
for them: ``patient_consent_checks()`` once per process, before sessions connect.

aioice checks every ~5 s that the browser still answers (consent freshness, RFC 7675), each check a single
STUN request that fails unless answered within 0.5 s, and it drops the stream after 6 failures in a row. A
browser that answers late is still there, but on a loaded server its answers are late every time: with 8
sessions and their Chromium on 2 cores (`benchmarks/load_webcam.py`), half the answers or more took over
0.5 s (in two runs: median 0.49 and 0.84 s, 90th percentile 2.5 and 2.1 s, longest 4.0 and 3.3 s), and
sessions stopped by themselves about 35 s after they connected, the page back to START ("Consent to send
expired" in aioice's log). A phone on a busy Wi-Fi meets the same. Here each check is retransmitted on
STUN's schedule (0.5 s, then 1 s), so an answer up to 3.5 s late still counts; a browser that is really
gone is dropped after about 50 s instead of 30.
"""

from __future__ import annotations

import functools

# A consent check's retransmissions: it then fails 3.5 s after it was sent (aioice's RTO 0.5 s, doubled each
# time) where it failed after 0.5 s.
CONSENT_RETRANSMISSIONS = 2


def patient_consent_checks() -> None:
    """Give aioice's consent checks ``CONSENT_RETRANSMISSIONS`` retransmissions (see the module's note).
    Only they ask for none: the other STUN requests (connectivity checks) keep aioice's schedule."""
    from aioice import ice

    request = ice.StunProtocol.request
    if getattr(request, "patient_consent", False):
        return

    @functools.wraps(request)
    async def patient(self, message, addr, integrity_key=None, retransmissions=None):
        if retransmissions == 0:  # aioice's consent check (Connection.query_consent), and nothing else
            retransmissions = CONSENT_RETRANSMISSIONS
        return await request(self, message, addr, integrity_key=integrity_key, retransmissions=retransmissions)

    patient.patient_consent = True
    ice.StunProtocol.request = patient
