"""One run of the kit: the contract, the target, the safety policy, and how one case is checked.

The suites in :mod:`contract_tests.suites` are thin: they hand every generated case to
:meth:`Kit.run_case`, which applies the policy (read-only targets, no negative cases for operations
that create things), sends the request through the shared throttle, runs each check on its own so
that every failure is attributed to the check that found it, and records the outcome in the
:class:`~contract_tests.report.Report` instead of stopping at the first failure.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import yaml

from contract_tests import interrupt, known_issues, realistic
from contract_tests.http import RequestBudgetExhausted
from contract_tests.options import PHASES, KitOptions
from contract_tests.report import Report
from contract_tests.target import Target

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.core.transport import Response

# The checks of the issue's list that judge one response on its own.
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
# Checks that need the history of a scenario; they run in the stateful suite.
STATEFUL_CHECKS = ("use_after_free", "ensure_resource_availability")
# Checks the kit implements itself (see docs/contract-testing.md).
KIT_CHECKS = ("ignored_auth", "use_after_delete")

NEGATIVE_STATUSES = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]
SWEEP_MAX_DOMAIN = 100
AUTH_REJECTED = (401, 403)
MAX_REPRODUCE = 800
INVALID_KEY = "pixxel-contract-invalid-key-0000"


def default_spec_path() -> Path:
    from mockserver.resources import spec_path

    return spec_path()


def spec_operations(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(operationId, METHOD, path)`` for every operation, in document order."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                found.append((operation["operationId"], method.upper(), path))
    return found


def _check_functions(names: tuple[str, ...]) -> list:
    import schemathesis.checks as registry

    return [getattr(registry, name) for name in names]


class Kit:
    def __init__(self, options: KitOptions) -> None:
        self.options = options
        self.spec_path = options.spec or default_spec_path()
        with open(self.spec_path, encoding="utf-8") as handle:
            self.spec = yaml.safe_load(handle)
        all_ops = spec_operations(self.spec)
        if options.operations:
            known = {op for op, _, _ in all_ops}
            unknown = [op for op in options.operations if op not in known]
            if unknown:
                raise ValueError(f"unknown operation id(s): {', '.join(unknown)}")
            all_ops = [entry for entry in all_ops if entry[0] in options.operations]
        self.operations = all_ops
        self.methods = {op: method for op, method, _ in all_ops}
        self.report = Report(all_ops)
        self._target: Target | None = None
        self._schema: Any = None
        self._session: Any = None
        self._rngs: dict[str, random.Random] = {}
        self._auth_probed: set[str] = set()
        self.budget_exhausted = False
        self._finished = False
        self.phases: dict[str, int] = {}
        self.creates: dict[tuple[str, str], int] = {}
        self.capped: set[tuple[str, str]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = Target(self.options)
            self.report.target = self._target.describe()
            if not self._target.allow_writes:
                for op, method, _ in self.operations:
                    if realistic.is_write(op, method):
                        self.report.skip(op, "read-only target (--allow-writes to test it)")
        return self._target

    @property
    def started(self) -> bool:
        return self._target is not None

    def finish(self) -> None:
        """Clean up what the run created and stop a mock the kit started (once)."""
        if self._target is None or self._finished:
            return
        self._finished = True
        with interrupt.cleaning():
            problems = self._target.cleanup()
        for problem in problems:
            self.report.error(f"could not delete what the kit created: {problem}")
        if self.capped:
            cap = self.options.effective_max_creates(self._target.is_mock)
            listed = ", ".join(f"{op} ({suite})" for suite, op in sorted(self.capped))
            self.report.notes.append(
                f"note: --max-creates ({cap} per operation and suite) held back further create"
                f" cases for: {listed}"
            )
        if not self._target.is_mock:
            leftovers = [c for c in self._target.created if c.kind != "store"]
            if leftovers:
                kinds: dict[str, int] = {}
                for item in leftovers:
                    kinds[item.kind] = kinds.get(item.kind, 0) + 1
                listed = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(kinds.items()))
                self.report.notes.append(
                    f"note: the API has no way to delete them, so these stay: {listed}"
                    f" (names start with {self.options.prefix!r} where they have a name)"
                )
        sent = self._target.throttle.sent + self._target.throttle.exempt_sent
        by_phase = ", ".join(f"{name} {n}" for name, n in sorted(self.phases.items()))
        self.report.notes.append(
            f"requests sent: {sent} (generated cases by phase: {by_phase or 'none'})"
        )
        self._target.stop()

    # -- schemathesis ----------------------------------------------------------------------

    def writes_allowed(self, operation_id: str) -> bool:
        method = self.methods.get(operation_id, "GET")
        return self.target.allow_writes or not realistic.is_write(operation_id, method)

    def schema_config(self) -> Any:
        import schemathesis

        target = self.target
        options = self.options
        data: dict[str, Any] = {
            "seed": options.seed,
            "suppress-health-check": ["all"],
            "base-url": target.base_url,
            "request-timeout": options.request_timeout,
            "generation": {
                "mode": "all",
                "max-examples": options.max_examples,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
                "with-security-parameters": False,
            },
            "phases": {
                **{phase: {"enabled": phase in options.phases} for phase in PHASES},
                "coverage": {
                    "enabled": "coverage" in options.phases,
                    # Requests with methods a path does not declare: on a real server only the
                    # harmless ones, never a DELETE, PUT, PATCH or POST to an undeclared route.
                    **({} if target.is_mock else {"unexpected-methods": ["get", "options"]}),
                },
                "stateful": {
                    "max-steps": 6,
                    # Only the links the contract declares, none inferred.
                    "inference": {"algorithms": []},
                },
            },
            "output": {"sanitization": {"enabled": True}},
            # No .schemathesis/ folder in the caller's working directory.
            "cache": {"enabled": False},
            "checks": {
                # A negative body may be refused for its size before its content is read.
                "negative_data_rejection": {"expected-statuses": NEGATIVE_STATUSES},
            },
        }
        rules: list[dict[str, Any]] = []
        disabled = [op for op, _, _ in spec_operations(self.spec) if not self.selected(op)]
        if disabled:
            rules.append({"include-operation-id": disabled, "enabled": False})
        creators = [op for op, method, _ in self.operations if realistic.is_create(op, method)]
        if not target.is_mock and creators:
            # Never send a negative case to an operation that creates something on a real server.
            rules.append({"include-operation-id": creators, "generation": {"mode": "positive"}})
        if rules:
            data["operations"] = rules
        return schemathesis.Config.from_dict(data)

    def selected(self, operation_id: str) -> bool:
        """Whether this run sends anything to the operation (``--operations``, read-only)."""
        return operation_id in self.methods and self.writes_allowed(operation_id)

    def schema(self) -> Any:
        """The contract as a schemathesis schema; operations this run may not send are disabled
        in its config, which every way of loading it (lazy fixtures included) respects."""
        if self._schema is None:
            import schemathesis

            self._schema = schemathesis.openapi.from_path(
                self.spec_path, config=self.schema_config()
            )
        return self._schema

    def operation_id(self, case: Case) -> str:
        return case.operation.definition.raw.get("operationId") or case.operation.label

    def call_kwargs(self) -> dict[str, Any]:
        """How generated cases are sent: one keep-alive session with the run's key."""
        if self._session is None:
            self._session = self.target.session()
        return {"session": self._session, "base_url": self.target.base_url}

    def _rng(self, operation_id: str, case: Case | None = None) -> random.Random:
        """The randomness that fills a case in: one stream per operation, or, given the case, one
        drawn from what hypothesis generated for it. Stateful scenarios need the latter: hypothesis
        draws each step from the answers to the previous ones, so the same draws must lead to the
        same requests, or it stops the run as a flaky strategy."""
        if case is not None:
            drawn = json.dumps(
                [case.path_parameters, case.query, case.body], sort_keys=True, default=repr
            )
            return random.Random(f"{self.options.seed}:{operation_id}:{drawn}")
        if operation_id not in self._rngs:
            self._rngs[operation_id] = random.Random(f"{self.options.seed}:{operation_id}")
        return self._rngs[operation_id]

    # -- one case --------------------------------------------------------------------------

    def is_positive(self, case: Case) -> bool:
        meta = case.meta
        return meta is None or meta.generation.mode.is_positive

    def admit(self, case: Case, suite: str = "conformance") -> bool:
        """Whether the policy lets this case be sent at all (also prepares positive cases)."""
        op = self.operation_id(case)
        method = case.operation.method.upper()
        if not self.writes_allowed(op):
            return False
        if (
            not self.target.is_mock
            and realistic.is_create(op, method)
            and not self.is_positive(case)
        ):
            return False  # already excluded by the generation config; never sent regardless
        if realistic.is_create(op, method) and not self._may_create(op, suite):
            return False
        if self.is_positive(case):
            realistic.prepare(
                case, op, self.target, self._rng(op, case if suite == "stateful" else None)
            )
        return True

    def _may_create(self, operation_id: str, suite: str) -> bool:
        """Counts create requests against --max-creates (per operation and suite)."""
        cap = self.options.effective_max_creates(self.target.is_mock)
        key = (suite, operation_id)
        sent = self.creates.get(key, 0)
        if cap is not None and sent >= cap:
            self.capped.add(key)
            return False
        self.creates[key] = sent + 1
        return True

    def send(self, case: Case, kwargs: dict[str, Any]) -> Response:
        op = self.operation_id(case)
        try:
            response = case.call(**kwargs)
        except RequestBudgetExhausted as exc:
            if not self.budget_exhausted:
                self.budget_exhausted = True
                self.report.error(str(exc))
            raise
        self.report.case(op)
        phase = case.meta.phase.name.value if case.meta is not None else "kit"
        self.phases[phase] = self.phases.get(phase, 0) + 1
        self._remember_created(op, response)
        return response

    def check(
        self, case: Case, response: Response, kwargs: dict[str, Any], *, suite: str, recorder=None
    ) -> None:
        from schemathesis.core.failures import FailureGroup

        op = self.operation_id(case)
        names = RESPONSE_CHECKS + (STATEFUL_CHECKS if recorder is not None else ())
        for name, check in zip(names, _check_functions(names), strict=True):
            try:
                case.validate_response(
                    response, checks=[check], transport_kwargs=kwargs, recorder=recorder
                )
            except FailureGroup as group:
                got = describe_response(response)
                for failure in group.exceptions:
                    message = f"{failure}\n{got}"
                    issue = (
                        None if self.options.strict else known_issues.find(op, name, case, response)
                    )
                    if issue is not None:
                        self.report.known(
                            op,
                            issue.id,
                            issue.summary,
                            name,
                            self.redact(message),
                            self.reproduce(case),
                        )
                    else:
                        self.fail(op, name, message, case=case, suite=suite)
            except RequestBudgetExhausted:
                raise
            except Exception as exc:  # a check that crashed is a finding too, never hidden
                self.fail(op, name, f"the check raised {type(exc).__name__}: {exc}", suite=suite)
        self._probe_auth(case, response, kwargs, suite=suite)
        self._after_delete(case, response, suite=suite)

    def run_case(self, case: Case, *, suite: str = "conformance") -> None:
        if not self.admit(case, suite):
            return
        kwargs = self.call_kwargs()
        response = self.send(case, kwargs)
        self.check(case, response, kwargs, suite=suite)

    # -- suites beyond single cases ----------------------------------------------------------

    def _resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            node: Any = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema, seen = node, seen + 1
        return schema

    def small_domains(self) -> list[tuple[str, str, str, int, int]]:
        """``(operation, "query"|"body", name, low, high)`` for every bounded integer parameter
        with at most SWEEP_MAX_DOMAIN values, on operations that only read."""
        found = []
        for op, method, path in self.operations:
            if realistic.is_write(op, method) or not self.selected(op):
                continue
            item = self.spec["paths"][path]
            operation = item[method.lower()]
            candidates: list[tuple[str, str, Any]] = []
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                parameter = self._resolve(parameter)
                if parameter.get("in") == "query":
                    candidates.append(("query", parameter["name"], parameter.get("schema", {})))
            content = self._resolve(operation.get("requestBody", {})).get("content", {})
            body = self._resolve(content.get("application/json", {}).get("schema", {}))
            for name, prop in (body.get("properties") or {}).items():
                candidates.append(("body", name, prop))
            for where, name, schema in candidates:
                schema = self._resolve(schema)
                low, high = schema.get("minimum"), schema.get("maximum")
                if (
                    schema.get("type") == "integer"
                    and isinstance(low, int)
                    and isinstance(high, int)
                    and 0 <= high - low < SWEEP_MAX_DOMAIN
                ):
                    found.append((op, where, name, low, high))
        return found

    def run_sweeps(self) -> None:
        """Every value of each small bounded integer parameter (page sizes, limits), one request
        each with nothing else set: a crash on one value is found, not left to chance. Against a
        server that is not the mock, an even sample of 4 x --max-examples values (bounds
        included) instead."""
        schema = self.schema()
        for op, where, name, low, high in self.small_domains():
            values = list(range(low, high + 1))
            if not self.target.is_mock:
                wanted = max(2, 4 * self.options.max_examples)
                if len(values) > wanted:
                    step = (len(values) - 1) / (wanted - 1)
                    values = sorted({values[round(i * step)] for i in range(wanted)})
            operation = schema.find_operation_by_id(op)
            # Path parameters (an AOI's assets are paged too) take the contract's example.
            path = {p.name: p.definition.get("example") for p in operation.path_parameters} or None
            for value in values:
                if where == "query":
                    case = operation.Case(path_parameters=path, query={name: value})
                else:
                    case = operation.Case(
                        path_parameters=path, body={name: value}, media_type="application/json"
                    )
                self.run_case(case, suite="conformance")

    def hypothesis_settings(self, *, scenarios: int | None = None, steps: int = 6) -> Any:
        import hypothesis

        return hypothesis.settings(
            max_examples=scenarios or self.options.max_examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
            report_multiple_bugs=False,
        )

    def link_groups(self) -> list[tuple[str, list[str]]]:
        """``(source, [targets])`` for every operation with OpenAPI links, both ends selected."""
        groups = []
        for op, method, path in self.operations:
            operation = self.spec["paths"][path][method.lower()]
            targets: list[str] = []
            for response in operation.get("responses", {}).values():
                for link in self._resolve(response).get("links", {}).values():
                    target = self._resolve(link).get("operationId")
                    if target and target not in targets and self.selected(target):
                        targets.append(target)
            if targets and self.selected(op):
                groups.append((op, targets))
        return groups

    def run_stateful(self) -> None:
        """schemathesis's stateful testing over the contract's OpenAPI links, every step checked
        like a conformance case, plus the checks that need the scenario's history.

        schemathesis starts scenarios only from operations it judges likely to succeed with
        random data, which would leave some of the contract's links (AOICreateAOI ->
        GetAoiById, SearchCatalogs -> GetCatalogById) untried; so each operation with links gets
        its own state machine, over itself and the operations its links lead to. (No link of the
        contract leads on from a link's target, so no chain is lost.)"""
        import hypothesis
        from schemathesis.generation.stateful import run_state_machine_as_test

        kit = self
        groups = self.link_groups()
        if not groups:
            self.report.notes.append("note: no OpenAPI links among the selected operations")
            return
        scenarios = self.options.max_examples
        if self.target.is_mock:
            scenarios = max(2 * scenarios, 10)
        for source, targets in groups:
            # (`exclude`, not `include`: an include filter on a schema whose config has
            # `operations` entries widens the selection instead of narrowing it.)
            others = [op for op, _, _ in spec_operations(self.spec) if op not in (source, *targets)]
            base = self.schema().exclude(operation_id=others).as_state_machine()

            class Machine(base):  # type: ignore[misc, valid-type]
                def get_call_kwargs(self, case: Case) -> dict[str, Any]:
                    return kit.call_kwargs()

                def call(self, case: Case, **kwargs: Any) -> Response:
                    if not kit.admit(case, "stateful"):
                        hypothesis.reject()
                    return kit.send(case, kwargs)

                def validate_response(
                    self, response: Response, case: Case, additional_checks: Any = None, **kw: Any
                ) -> None:
                    kit.check(case, response, kw, suite="stateful", recorder=self.recorder)

            Machine.__name__ = f"Links_{source}"
            settings = self.hypothesis_settings(scenarios=scenarios)
            cap = self.options.effective_max_creates(self.target.is_mock)
            if cap is not None and realistic.is_create(source, self.methods[source]):
                # Scenarios of two steps, few enough that --max-creates is never reached (a
                # refused step would make hypothesis's generation depend on it).
                settings = self.hypothesis_settings(scenarios=max(1, cap // 2), steps=2)
                if cap < 2:
                    continue
            run_state_machine_as_test(Machine, settings=settings)

    def fail(
        self,
        operation: str,
        check: str,
        message: str,
        *,
        case: Case | None = None,
        suite: str | None = None,
        reproduce: str | None = None,
    ) -> None:
        if case is not None and reproduce is None:
            reproduce = self.reproduce(case)
        self.report.fail(
            operation,
            check,
            self.redact(message),
            reproduce=self.redact(reproduce) if reproduce else None,
            suite=suite,
        )

    def reproduce(self, case: Case) -> str | None:
        """A curl command for the case (API key masked, long bodies shortened)."""
        try:
            command = case.as_curl_command(
                headers={"Authorization": "<api-key>"}, base_url=self.target.base_url
            )
        except Exception:  # noqa: BLE001 - a reproduction is a nicety
            return None
        if len(command) > MAX_REPRODUCE:
            command = command[:MAX_REPRODUCE] + " [...] (shortened)"
        return self.redact(command)

    def redact(self, text: str) -> str:
        if self._target is None:
            return text
        for key in (self._target.api_key, self._target.second_api_key):
            if key:
                text = text.replace(key, "<api-key>")
        return text

    # -- what the kit checks itself ----------------------------------------------------------

    def _remember_created(self, op: str, response: Response) -> None:
        if not 200 <= response.status_code < 300:
            return
        try:
            body = response.json()
        except Exception:  # noqa: BLE001 - the schema checks report a bad body
            return
        if not isinstance(body, dict):
            return
        target = self.target
        key = target.api_key
        if op == "CreateStore" and isinstance(body.get("id"), str):
            target.remember("store", body["id"], key, body.get("name"))
        elif op == "AOICreateAOI" and isinstance(body.get("aoi_id"), str):
            target.remember("aoi", body["aoi_id"], key, body.get("name"))
        elif op == "CreateDownload" and isinstance(body.get("id"), str):
            target.remember("download", body["id"], key)
        elif op == "CreateDelivery":
            for delivery in body.get("deliveries") or []:
                if isinstance(delivery, dict) and isinstance(delivery.get("delivery_id"), str):
                    target.remember("delivery", delivery["delivery_id"], key)

    def _probe_auth(self, case: Case, response: Response, kwargs: dict, *, suite: str) -> None:
        """ignored_auth: an operation that needs a key must refuse a request without one.

        Once per operation, on the first case the server accepted (2xx), the same request is
        sent again without ``Authorization`` and must get 401 or 403. Against a server that is
        not the mock it is also sent with a made-up key (the mock accepts any non-empty key by
        design: each key is a workspace).
        """
        from schemathesis.specs.openapi._auth_retry import get_security_parameters

        op = self.operation_id(case)
        if op in self._auth_probed or not 200 <= response.status_code < 300:
            return
        if not self.is_positive(case) or not get_security_parameters(case.operation):
            return
        self._auth_probed.add(op)
        probes: list[tuple[str, str | None]] = [("without an API key", None)]
        if not self.target.is_mock:
            probes.append(("with an invalid API key", INVALID_KEY))
        for label, key in probes:
            session = self.target.anonymous_session()
            headers = {} if key is None else {"Authorization": key}
            probe = case.call(session=session, base_url=self.target.base_url, headers=headers)
            self.report.case(op)
            if probe.status_code not in AUTH_REJECTED:
                self._remember_created(op, probe)
                try:
                    reproduce = case.as_curl_command(headers=headers, base_url=self.target.base_url)
                except Exception:  # noqa: BLE001
                    reproduce = None
                self.fail(
                    op,
                    "ignored_auth",
                    f"sent {label}, the request got {probe.status_code}; expected 401 or 403"
                    f" (with the key it got {response.status_code})\n{describe_response(probe)}",
                    suite=suite,
                    reproduce=reproduce,
                )

    def _after_delete(self, case: Case, response: Response, *, suite: str) -> None:
        """use_after_delete: a store that DeleteStore removed is gone for good.

        After a 2xx from ``DELETE /v0/stores/{id}`` the store must no longer be listed by
        ListStores, and deleting it again must answer 404 (the contract's "no resource with that
        id in the caller's workspace").
        """
        op = self.operation_id(case)
        if op != "DeleteStore" or not 200 <= response.status_code < 300:
            return
        store_id = str((case.path_parameters or {}).get("id"))
        self.target.forget("store", store_id)
        verify_store_deleted(self, store_id, session=self.target.session(), suite=suite)


def describe_response(response: Response, limit: int = 400) -> str:
    """One line with the status, the content type and the start of the body."""
    content_type = (response.headers.get("content-type") or ["-"])[0]
    try:
        body = response.content.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001
        body = "<unreadable body>"
    body = " ".join(body.split())
    if len(body) > limit:
        body = body[:limit] + " [...]"
    return f"got: {response.status_code} ({content_type}) {body}"


def verify_store_deleted(kit: Kit, store_id: str, *, session, suite: str) -> bool:
    """Check that a deleted store is neither listed nor deletable again; True when it holds."""
    base = kit.target.base_url
    ok = True
    try:
        listed = session.get(f"{base}/v0/stores")
        kit.report.case("ListStores")
        ids = {s.get("id") for s in listed.json().get("stores", []) if isinstance(s, dict)}
    except (requests.RequestException, ValueError, AttributeError) as exc:
        kit.fail("DeleteStore", "use_after_delete", f"could not list stores after a delete: {exc}")
        return False
    if store_id in ids:
        ok = False
        kit.fail(
            "DeleteStore",
            "use_after_delete",
            f"DELETE /v0/stores/{store_id} answered 2xx but GET /v0/stores still lists the store",
            suite=suite,
            reproduce=f"curl -X DELETE -H 'Authorization: <api-key>' {base}/v0/stores/{store_id}"
            f" && curl -H 'Authorization: <api-key>' {base}/v0/stores",
        )
    again = session.delete(f"{base}/v0/stores/{store_id}")
    kit.report.case("DeleteStore")
    if again.status_code != 404:
        ok = False
        kit.fail(
            "DeleteStore",
            "use_after_delete",
            f"deleting store {store_id} a second time answered {again.status_code}, expected 404"
            " (the store should no longer exist)",
            suite=suite,
            reproduce=f"curl -X DELETE -H 'Authorization: <api-key>' {base}/v0/stores/{store_id}"
            " (twice)",
        )
    return ok
