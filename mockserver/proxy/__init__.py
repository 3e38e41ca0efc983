"""``pixxel-mock proxy``: a validating proxy in front of the live API that reports drift.

Every request is forwarded unchanged to the upstream; each request and its response are judged
against the contract (:mod:`mockserver.proxy.contract`) and what breaks it is gathered per
operation (:mod:`mockserver.proxy.drift`). See docs/proxy.md.
"""
