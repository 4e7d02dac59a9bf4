"""Per-client budgets, as public SPARQL endpoints keep them (the Wikidata query service gives
each client so many query-seconds a minute): here, per client address and per window of
``KG_BUDGET_WINDOW`` seconds, at most ``KG_BUDGET_QUERY_SECONDS`` seconds of query time and
``KG_BUDGET_FAILURES`` failed or timed-out queries. A client past either gets 429 with
``Retry-After`` (when its oldest charge leaves the window) until then; other clients are
unaffected. 1,000 requests from one client all answered 200, and 200 queries with a
deadline of a microsecond each killed a worker, pushing another client's p50 from 2 to
120 ms.

Loopback clients are exempt unless ``KG_BUDGET_LOOPBACK`` is set (``make run`` serves
loopback; a reverse proxy on the same machine must pass on the client's address, which this
server does not read from headers).

>>> budgets = ClientBudgets(window=60, query_seconds=10, failures=2, loopback=False)
>>> budgets.charge("203.0.113.9", 6, failed=False, now=0)
>>> budgets.charge("203.0.113.9", 5, failed=False, now=1)
>>> budgets.retry_after("203.0.113.9", now=2), budgets.retry_after("198.51.100.7", now=2)
(58, None)
>>> budgets.retry_after("127.0.0.1", now=2) is None  # loopback is exempt
True
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

#: The most clients remembered; the least recently seen is forgotten past it (a flood of
#: addresses cannot grow memory without bound).
MAX_CLIENTS = 10_000


@dataclass
class _Account:
    charges: deque[tuple[float, float, bool]] = field(default_factory=deque)


class ClientBudgets:
    def __init__(
        self, *, window: float, query_seconds: float, failures: int, loopback: bool
    ) -> None:
        self.window = window
        self.query_seconds = query_seconds
        self.failures = failures
        self.loopback = loopback
        self._accounts: OrderedDict[str, _Account] = OrderedDict()

    def exempt(self, client: str | None) -> bool:
        if client is None:
            return True
        if self.loopback:
            return False
        try:
            return ipaddress.ip_address(client).is_loopback
        except ValueError:
            return False

    def retry_after(self, client: str | None, *, now: float | None = None) -> float | None:
        """Seconds until ``client`` may query again, or ``None`` if it may now."""
        if self.exempt(client):
            return None
        assert client is not None
        account = self._accounts.get(client)
        if account is None:
            return None
        now = time.monotonic() if now is None else now
        self._expire(account, now)
        spent = sum(seconds for _, seconds, _ in account.charges)
        failed = sum(1 for _, _, bad in account.charges if bad)
        if spent < self.query_seconds and failed < self.failures:
            return None
        oldest = account.charges[0][0]
        return max(1.0, oldest + self.window - now)

    def charge(
        self, client: str | None, seconds: float, *, failed: bool, now: float | None = None
    ) -> None:
        """Count a query of ``seconds`` (``failed``: it failed or ran out of time)."""
        if self.exempt(client):
            return
        assert client is not None
        now = time.monotonic() if now is None else now
        account = self._accounts.pop(client, None) or _Account()
        self._accounts[client] = account  # the most recently seen last
        account.charges.append((now, seconds, failed))
        self._expire(account, now)
        while len(self._accounts) > MAX_CLIENTS:
            self._accounts.popitem(last=False)

    def _expire(self, account: _Account, now: float) -> None:
        while account.charges and account.charges[0][0] <= now - self.window:
            account.charges.popleft()
