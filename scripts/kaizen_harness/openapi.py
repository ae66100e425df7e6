"""GitHub's REST API description (npm @octokit/openapi), used to check that the API stand-in
and Kaizen's client speak the real API: paths, methods, request and response bodies."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kaizen_harness import sources

BASE = "urn:github-rest-api"


def to_json_schema(node):
    """OpenAPI 3.0 schemas are JSON Schema but for `nullable`: rewrite it as a null type."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str) and "$ref" not in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass
class Operation:
    template: str
    method: str
    operation_id: str
    path_params: dict[str, str]


class GitHubRestAPI:
    def __init__(self, path: Path | None = None) -> None:
        path = path or sources.api_description()
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `npm ci` (make setup does)")
        from jsonschema import Draft7Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        document = json.loads(path.read_text(encoding="utf-8"))
        self.version = document["info"]["version"]
        self.paths = document["paths"]
        self.shared_parameters = document["components"].get("parameters", {})
        self.examples = document["components"].get("examples", {})
        converted = {
            "components": to_json_schema(document["components"]),
            "paths": to_json_schema(copy.deepcopy(document["paths"])),
        }
        self._registry = Registry().with_resource(BASE, Resource.from_contents(converted, DRAFT7))
        self._validator = Draft7Validator
        self._routes = [(self._route(template), template) for template in self.paths]

    @staticmethod
    def _route(template: str) -> tuple[re.Pattern[str], list[str]]:
        names: list[str] = []
        parts = []
        segments = template.strip("/").split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1])
                # A git ref (heads/main) has slashes; GitHub takes it whole as the last segment.
                parts.append("(.+)" if segment == "{ref}" and index == len(segments) - 1 else "([^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("^/" + "/".join(parts) + "$"), names

    def operation(self, method: str, path: str) -> Operation | None:
        for (pattern, names), template in self._routes:
            match = pattern.match(path)
            if match and method.lower() in self.paths[template]:
                op = self.paths[template][method.lower()]
                return Operation(template, method.lower(), op.get("operationId", ""), dict(zip(names, match.groups())))
        return None

    def _errors(self, location: str, instance) -> list[str]:
        validator = self._validator({"$ref": f"{BASE}#/{location}"}, registry=self._registry)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(instance)
        ]

    def _parameter(self, parameter: dict) -> dict:
        ref = parameter.get("$ref", "")
        return (
            self.shared_parameters[ref.rsplit("/", 1)[-1]] if ref.startswith("#/components/parameters/") else parameter
        )

    def check_request(self, op: Operation, query: dict[str, str], body) -> list[str]:
        spec = self.paths[op.template][op.method]
        problems = []
        params = {p["name"]: p for p in map(self._parameter, spec.get("parameters", []))}
        for name in query:
            if name not in params:
                problems.append(f"query parameter {name!r} is not defined for {op.operation_id}")
        for name, value in op.path_params.items():
            schema = (params.get(name) or {}).get("schema", {})
            if schema.get("type") == "integer" and not value.isdigit():
                problems.append(f"path parameter {name}={value!r} is not an integer")
        request_body = spec.get("requestBody")
        if request_body is None:
            if body is not None:
                problems.append(f"{op.operation_id} takes no request body")
        elif body is None and request_body.get("required"):
            problems.append(f"{op.operation_id} requires a JSON body")
        elif body is not None:
            location = pointer("paths", op.template, op.method, "requestBody", "content", "application/json", "schema")
            problems += [f"request {p}" for p in self._errors(location, body)]
        return problems

    def check_response(self, op: Operation, status: int, body) -> list[str]:
        responses = self.paths[op.template][op.method]["responses"]
        if str(status) not in responses:
            return [f"{op.operation_id} does not document status {status}"]
        content = responses[str(status)].get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            return []
        location = pointer(
            "paths", op.template, op.method, "responses", str(status), "content", "application/json", "schema"
        )
        return [f"response {p}" for p in self._errors(location, body)]

    def pull_request(self, owner: str, repo: str, number: int, head_sha: str) -> dict:
        """A pull request as GET /repos/{owner}/{repo}/pulls/{number} returns it, built from the
        description's own example (whose requested_teams lack a required field)."""
        pull = copy.deepcopy(self.examples["pull-request"]["value"])
        pull.update(
            number=number,
            state="open",
            requested_teams=[],
            url=f"https://api.github.com/repos/{owner}/{repo}/pulls/{number}",
            html_url=f"https://github.com/{owner}/{repo}/pull/{number}",
        )
        pull["head"]["sha"] = head_sha
        return pull

    def issue(self, owner: str, repo: str, number: int, title: str, body: str, labels: list[str]) -> dict:
        """An issue as POST /repos/{owner}/{repo}/issues returns it, from the description's example."""
        issue = copy.deepcopy(self.examples["issue"]["value"])
        issue.pop("pull_request", None)  # the example is a pull request's issue
        label = issue["labels"][0]
        issue.update(
            number=number,
            id=number,
            state="open",
            title=title,
            body=body,
            comments=0,
            labels=[
                {**label, "name": name, "url": f"https://api.github.com/repos/{owner}/{repo}/labels/{name}"}
                for name in labels
            ],
            url=f"https://api.github.com/repos/{owner}/{repo}/issues/{number}",
            html_url=f"https://github.com/{owner}/{repo}/issues/{number}",
            repository_url=f"https://api.github.com/repos/{owner}/{repo}",
        )
        return issue
