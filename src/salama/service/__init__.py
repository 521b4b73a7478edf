"""Services: the flows that join the core (detect, policy, support) to the store.

Transport-free, so that the HTTP API, the CLI and tests share them.
"""

from salama.service.checks import Author, CheckRequest, CheckResult, CheckService

__all__ = ["Author", "CheckRequest", "CheckResult", "CheckService"]
