"""A loopback stand-in for Monte Carlo's GraphQL API, for tests that must not use the network.

It checks the contract, not Monte Carlo's semantics:

- every request is parsed, validated and executed against the GraphQL schema shipped in
  pycarlo (``pycarlo/lib/schema.json``) with graphql-core: unknown operations, fields or
  arguments and wrongly typed variables are rejected and recorded in ``schema_errors``;
- every request must carry the API key in ``x-mcd-id`` / ``x-mcd-token``, else HTTP 401;
- namespaces hold state: ``createOrUpdateMonteCarloConfigTemplateAsync`` diffs the sent
  configuration against the stored one by monitor type and ``name`` (create / update /
  delete), dry runs change nothing, real runs replace the namespace when polled;
- ``getMonteCarloConfigTemplateUpdateState`` answers ``PENDING`` ``pending_polls`` times,
  then the outcome;
- ``getMonteCarloConfigTemplates(namespace)`` answers the namespace's stored configuration
  as JSON (no edges for an unknown namespace), as ``montecarlo monitors get-template`` reads;
- a few checks Monte Carlo's documentation states for ``custom_sql`` monitors (a name,
  unique names, SQL, exactly one alert condition with a known operator and a number,
  priority P1-P5) are answered with ``errorsAsJson`` validation errors, keyed by monitor
  type and index (the shape is this fake's assumption);
- ``fail_next(status, times)`` answers the next requests with an HTTP error, ``fail_if``
  those it picks; ``reject(monitor, key, message)`` stands in for Monte Carlo's own
  semantic checks (a table it does not know, say) on one monitor.

The CLI annotates each YAML mapping with ``yaml_line`` / ``yaml_file_name``; they are
ignored when diffing, as they carry no configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pycarlo
from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_client_schema,
    graphql_sync,
    parse,
    validate,
)

ANNOTATIONS = ("yaml_line", "yaml_file_name")
MONTECARLO = shutil.which("montecarlo", path=str(Path(sys.executable).parent)) or "montecarlo"
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "OUTSIDE_RANGE", "INSIDE_RANGE"}
PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}


@cache
def pycarlo_schema() -> GraphQLSchema:
    """Monte Carlo's GraphQL schema as shipped in the installed pycarlo.

    Default values are dropped: the introspection JSON quotes enum defaults (``"ASC"``),
    which graphql-core refuses. Defaults play no part in validating requests.
    """
    path = Path(pycarlo.__file__).parent / "lib" / "schema.json"
    introspection = json.loads(path.read_text(encoding="utf-8"))["data"]
    _drop_defaults(introspection)
    return build_client_schema(introspection)


def _drop_defaults(node: Any) -> None:
    if isinstance(node, dict):
        if "defaultValue" in node:
            node["defaultValue"] = None
        for value in node.values():
            _drop_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_defaults(value)


def strip_annotations(value: Any) -> Any:
    """``value`` without the CLI's ``yaml_line`` / ``yaml_file_name`` keys, at any depth."""
    if isinstance(value, dict):
        return {k: strip_annotations(v) for k, v in value.items() if k not in ANNOTATIONS}
    if isinstance(value, list):
        return [strip_annotations(item) for item in value]
    return value


@dataclass
class Request:
    """One request the server received."""

    operation: str | None
    query: str
    variables: dict[str, Any]
    headers: dict[str, str]
    status: int = 200


@dataclass
class Update:
    namespace: str
    config: dict[str, Any]
    dry_run: bool
    modifications: list[dict[str, Any]]
    errors: dict[str, Any] | None
    polls: int = 0


@dataclass
class MonteCarloLoopback:
    """The server's state; see the module docstring."""

    api_id: str
    api_token: str
    pending_polls: int = 1
    errors_in_submit: bool = False
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)
    updates: dict[str, Update] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    fail_if: Callable[[Request], int | None] | None = None
    rejected: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with HTTP ``status``."""
        self.failures += [status] * times

    def reject(self, monitor: str, key: str, message: str) -> None:
        """Answer monitor ``monitor`` with a validation error, as Monte Carlo's checks would."""
        self.rejected[monitor] = {key: [message]}

    def submitted(
        self, *, operation: str = "createOrUpdateMonteCarloConfigTemplateAsync"
    ) -> list[Request]:
        """The requests of ``operation`` that were answered (not failed on purpose)."""
        return [r for r in self.requests if r.operation == operation and r.status == 200]

    # -- HTTP -----------------------------------------------------------------------------

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"errors": [{"message": "body is not JSON"}]}
        query = payload.get("query") or ""
        variables = payload.get("variables") or {}
        request = Request(payload.get("operationName"), query, variables, headers)
        with self.lock:
            self.requests.append(request)
            status = self.failures.pop(0) if self.failures else None
            if status is None and self.fail_if is not None:
                status = self.fail_if(request)
            if status is not None:
                request.status = status
                return status, {"message": f"injected HTTP {status}"}
            key = (headers.get("x-mcd-id"), headers.get("x-mcd-token"))
            if key != (self.api_id, self.api_token):
                request.status = 401
                return 401, {"errors": [{"message": "Invalid API key (x-mcd-id / x-mcd-token)"}]}
            try:
                return 200, self._execute(request)
            except Exception as exc:  # a bug here must fail the test, not hang the client
                self.schema_errors.append(f"loopback crashed: {type(exc).__name__}: {exc}")
                request.status = 500
                return 500, {"errors": [{"message": "loopback crashed"}]}

    def _execute(self, request: Request) -> dict[str, Any]:
        schema = pycarlo_schema()
        try:
            document = parse(request.query)
        except GraphQLError as exc:
            self.schema_errors.append(f"syntax: {exc.message}")
            return {"errors": [exc.formatted]}
        problems = validate(schema, document)
        if problems:
            self.schema_errors += [problem.message for problem in problems]
            return {"errors": [problem.formatted for problem in problems]}
        operation_name = _operation_name(document, request.operation)
        request.operation = operation_name
        result = graphql_sync(
            schema,
            request.query,
            root_value=_Resolvers(self),
            variable_values=request.variables,
            operation_name=operation_name,
        )
        if result.errors:
            messages = [error.message for error in result.errors]
            self.schema_errors += [m for m in messages if not m.startswith("loopback:")]
            return {"data": result.data, "errors": [error.formatted for error in result.errors]}
        return {"data": result.data}

    # -- Monte Carlo's behaviour ------------------------------------------------------------

    def create_or_update(self, namespace: str, config_json: str, dry_run: bool) -> dict[str, Any]:
        config = json.loads(config_json)
        if not isinstance(config, dict):
            raise GraphQLError("loopback: configTemplateJson must be a JSON object")
        config = strip_annotations(config)
        errors = _validation_errors(config)
        for kind, monitors in config.items():
            for index, monitor in enumerate(monitors if isinstance(monitors, list) else []):
                if isinstance(monitor, dict) and monitor.get("name") in self.rejected:
                    errors.setdefault(kind, {})[str(index)] = self.rejected[monitor["name"]]
        modifications = [] if errors else _diff(self.namespaces.get(namespace, {}), config)
        update_uuid = str(uuid.uuid4())
        self.updates[update_uuid] = Update(namespace, config, bool(dry_run), modifications, errors)
        error_text = json.dumps({"validation_errors": errors}) if errors else None
        if errors and self.errors_in_submit:
            return {"response": {"updateUuid": None, "errorsAsJson": error_text}}
        return {"response": {"updateUuid": update_uuid, "errorsAsJson": None}}

    def update_state(self, update_uuid: str) -> dict[str, Any]:
        update = self.updates.get(update_uuid)
        if update is None:
            raise GraphQLError(f"loopback: unknown update {update_uuid}")
        update.polls += 1
        if update.polls <= self.pending_polls:
            return {"state": "PENDING", "resourceModifications": None, "changesApplied": False}
        if update.errors:
            return {
                "state": "FAILED",
                "resourceModifications": [],
                "changesApplied": False,
                "errorsAsJson": json.dumps({"validation_errors": update.errors}),
            }
        applied = not update.dry_run and bool(update.modifications)
        if applied and update.polls == self.pending_polls + 1:
            self.namespaces[update.namespace] = update.config
        return {
            "state": "APPLIED",
            "resourceModifications": update.modifications,
            "changesApplied": applied,
            "errorsAsJson": None,
            "warningsAsJson": None,
        }

    def monitors(self, namespace: str) -> dict[str, dict[str, Any]]:
        """The namespace's monitors by name."""
        config = self.namespaces.get(namespace, {})
        return {m["name"]: m for monitors in config.values() for m in monitors}


class _Resolvers:
    """Root fields; graphql-core calls them with the GraphQL argument names."""

    def __init__(self, server: MonteCarloLoopback):
        self._server = server

    def createOrUpdateMonteCarloConfigTemplateAsync(  # noqa: N802
        self,
        info: Any,
        configTemplateJson: str,  # noqa: N803
        namespace: str,
        **options: Any,
    ) -> dict[str, Any]:
        return self._server.create_or_update(
            namespace, configTemplateJson, bool(options.get("dryRun"))
        )

    def getMonteCarloConfigTemplateUpdateState(self, info: Any, updateUuid: str) -> dict[str, Any]:  # noqa: N802, N803
        return self._server.update_state(updateUuid)

    def getMonteCarloConfigTemplates(  # noqa: N802
        self, info: Any, namespace: str | None = None, **_: Any
    ) -> dict[str, Any]:
        stored = self._server.namespaces
        names = [namespace] if namespace is not None else sorted(stored)
        edges = [
            {
                "cursor": name,
                "node": {
                    "id": name,
                    "namespace": name,
                    "template": json.dumps(stored[name]),
                    "resolvedTemplate": json.dumps(stored[name]),
                },
            }
            for name in names
            if name in stored
        ]
        return {"edges": edges, "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}

    def __getattr__(self, name: str) -> Any:
        def not_implemented(info: Any, **_: Any) -> Any:
            raise GraphQLError(f"loopback: {name} is not implemented by the loopback server")

        return not_implemented


def _operation_name(document: Any, given: str | None) -> str | None:
    if given:
        return given
    names = [d.name.value for d in document.definitions if getattr(d, "name", None)]
    return names[0] if len(names) == 1 else None


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    for kind in sorted(set(old) | set(new)):
        before = {m["name"]: m for m in old.get(kind, [])}
        after = new.get(kind, [])
        for index, monitor in enumerate(after):
            previous = before.get(monitor["name"])
            if previous is None:
                changes.append(_modification("CREATE", kind, index, monitor))
            elif previous != monitor:
                diff = "\n".join(
                    f"{key}: {previous.get(key)!r} -> {monitor.get(key)!r}"
                    for key in sorted(set(previous) | set(monitor))
                    if previous.get(key) != monitor.get(key)
                )
                changes.append(_modification("UPDATE", kind, index, monitor, diff))
        names = {m["name"] for m in after}
        for index, (name, monitor) in enumerate(before.items()):
            if name not in names:
                changes.append(_modification("DELETE", kind, index, monitor))
    return changes


def _modification(
    action: str, kind: str, index: int, monitor: dict[str, Any], diff: str | None = None
) -> dict[str, Any]:
    return {
        "type": f"ResourceModificationType.{action}",
        "description": f"{kind} monitor {monitor['name']}",
        "resourceAsJson": json.dumps(monitor),
        "isSignificantChange": False,
        "diffString": diff,
        "resourceType": kind,
        "resourceIndex": index,
        "estimatedCredits": None,
    }


def _validation_errors(config: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for kind, monitors in config.items():
        if not isinstance(monitors, list):
            errors[kind] = ["must be a list"]
            continue
        seen: set[str] = set()
        for index, monitor in enumerate(monitors):
            problems = _monitor_problems(kind, monitor, seen)
            if problems:
                errors.setdefault(kind, {})[str(index)] = problems
    return errors


def _monitor_problems(kind: str, monitor: Any, seen: set[str]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    name = monitor.get("name") if isinstance(monitor, dict) else None
    if not name:
        return {"name": ["Missing data for required field."]}
    if name in seen:
        problems["name"] = [f"Duplicate monitor name {name!r} in namespace."]
    seen.add(name)
    if kind != "custom_sql":
        return problems
    if not str(monitor.get("sql") or "").strip():
        problems["sql"] = ["Missing data for required field."]
    conditions = monitor.get("alert_conditions")
    if not isinstance(conditions, list) or len(conditions) != 1:
        problems["alert_conditions"] = ["Exactly one alert condition is required."]
    else:
        condition = conditions[0]
        if condition.get("operator") not in OPERATORS:
            problems["alert_conditions"] = [f"Unknown operator {condition.get('operator')!r}."]
        value = condition.get("threshold_value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.setdefault("alert_conditions", []).append("threshold_value must be a number.")
    if monitor.get("priority") not in PRIORITIES | {None}:
        problems["priority"] = [f"Must be one of: {', '.join(sorted(PRIORITIES))}."]
    return problems


@contextmanager
def serve(server: MonteCarloLoopback) -> Iterator[MonteCarloLoopback]:
    """Run ``server`` on 127.0.0.1 (a free port) in a thread; ``server.url`` is its endpoint."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, answer = server.handle(headers, self.rfile.read(length))
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/graphql"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def run_montecarlo(
    *args: str, home: Path, api_id: str, api_token: str, endpoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``montecarlo`` CLI, with a fresh HOME (no ~/.mcd profile) and the key in the
    environment; ``endpoint`` is a loopback server's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCD_")}
    env |= {"HOME": str(home), "MCD_DEFAULT_API_ID": api_id, "MCD_DEFAULT_API_TOKEN": api_token}
    if endpoint is not None:
        env["MCD_API_ENDPOINT"] = endpoint
    return subprocess.run(
        [MONTECARLO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
