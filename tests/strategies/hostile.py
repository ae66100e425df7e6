"""Hypothesis strategies for what a hostile repository, event, fork or API answer can hold: not
input values but file contents (metrics, dvc.yaml, the gate file, .dvc/config), names that reach
the report (metrics, params, stages, plot labels, data files), event payloads, a fork's
results.json and GitHub's answers."""

from __future__ import annotations

import json
import string

from hypothesis import strategies as st

# Pieces of text that are live on GitHub or break Markdown, Mermaid or a table, if not escaped.
HOSTILE_PIECES = [
    "@octocat", "@acme/admins", "user@example.com", "#12", "acme/widgets#7", "GH-42", "https://evil.example/x",
    "http://x.y", "www.evil.example", "[click](https://evil.example)", "![img](https://evil.example/i.png)",
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<a href=x>y</a>", "`", "``", "```", "| cell |",
    "\n", "\r\n", "\u2028", "\u202e", "\x00", "\x1b[31m", "*", "_", "~~", "$x$", "&lt;b&gt;", "&#64;user",
    "deadbeefcafe1234", "0123456789abcdef0123456789abcdef01234567", '"]', "%%{init}%%", "-->", ";", "{", "}",
    "\\", "é", "日本", "🙂", "  ", "[", "]", "(", ")", "!", "<", ">", "&", ":", "//", "::error::x", "%0A",
]  # fmt: skip


def hostile_text(max_pieces: int = 6) -> st.SearchStrategy[str]:
    """Text made of live pieces and random printable characters."""
    piece = st.one_of(
        st.sampled_from(HOSTILE_PIECES), st.text(alphabet=string.printable + "é日🙂\u200b", min_size=1, max_size=8)
    )
    return st.lists(piece, min_size=1, max_size=max_pieces).map("".join)


names = hostile_text(4).filter(lambda s: s.strip())
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def alias_bomb(levels: int) -> str:
    """YAML whose aliases multiply: 9 ** levels values from a few hundred bytes."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


YAML_TRAPS = ["a: 1\na: 2\n", "a: .nan\n", "a: -.inf\n", "- 1\n", "a: !!python/object:os.system x\n"]
JSON_TRAPS = ['{"a": NaN}', '{"a": 1e999}', '{"a": "1"}', '{"a": true}', "null", "[]"]
# The contents of a metrics file, by suffix: broken syntax, deep nesting, huge numbers, aliases,
# non-numbers, duplicates, and well-formed files with hostile names.
metrics_file = st.one_of(
    st.tuples(st.just(".json"), st.dictionaries(names, st.one_of(finite, st.integers(-(10**30), 10**30)))).map(
        lambda t: (t[0], json.dumps(t[1]))
    ),
    st.tuples(st.just(".json"), st.integers(0, 500).map(lambda n: '{"a": ' + "1" * (n + 1) + "}")),
    st.tuples(st.just(".json"), st.integers(50, 6000).map(lambda d: '{"a": ' + deep_json(d) + "}")),
    st.tuples(st.sampled_from([".json", ".yaml", ".toml"]), hostile_text(8)),
    st.tuples(st.just(".yaml"), st.integers(1, 9).map(alias_bomb)),
    st.tuples(st.just(".yaml"), st.integers(50, 1200).map(lambda d: "a: " + "[" * d + "]" * d)),
    st.tuples(st.just(".yaml"), st.sampled_from(YAML_TRAPS)),
    st.tuples(st.just(".json"), st.sampled_from(JSON_TRAPS)),
)


def dvc_yaml() -> st.SearchStrategy[str]:
    shapes = st.one_of(
        st.just("stages:\n  - train\n"),
        st.just("stages: 3\n"),
        st.just("stages:\n  train: [a]\n"),
        st.just("stages:\n  train:\n    deps: prompts/system.md\n"),
        st.just("metrics: metrics.json\n"),
        st.just("metrics:\n  - {a: 1}\n  - 3\n"),
        st.just("vars: x\n"),
        st.just("- a\n"),
        st.just("stages: {train: {cmd: x, deps: [a, b], outs: [c], params: [{p.yaml: [x]}, y]}}\n"),
        st.integers(1, 8).map(alias_bomb),
        hostile_text(10),
        st.builds(
            lambda name, dep: yaml_dump({"stages": {name: {"cmd": "x", "deps": [dep], "metrics": [dep]}}}),
            names,
            names,
        ),
    )
    return shapes


def yaml_dump(data) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True)


gate_rule = st.fixed_dictionaries(
    {},
    optional={
        "direction": st.sampled_from(["higher", "lower", "up", None, 1]),
        "min": st.one_of(finite, st.sampled_from([float("-inf"), float("inf"), float("nan"), "x", True])),
        "max": finite,
        "max_regression": st.one_of(finite, st.just(-1.0)),
        "max_relative_regression": finite,
        "informational": st.one_of(st.booleans(), st.just("no")),
        "minimum": finite,
    },
)
gate_file = st.one_of(
    st.dictionaries(names, gate_rule, max_size=4).map(lambda rules: yaml_dump({"metrics": rules})),
    st.dictionaries(st.sampled_from(["metrics", "drift", "thresholds", "metric"]), st.just({}), max_size=3).map(
        yaml_dump
    ),
    st.sampled_from(
        [
            "metrics:\n  acc: {direction: higher, min: 0.1}\n  acc: {direction: higher, min: 0.9}\n",
            "metrics:\n  acc: {direction: higher, min: -.inf}\n",
            "metrics:\n  acc: {direction: higher}\n",
            "metrics: [\n",
            "",
        ]
    ),
    hostile_text(8),
)
dvc_config = st.one_of(
    st.sampled_from(["remote = s\n[core]\n", "[core\nremote = s\n", "[core]\nremote\n", "[a]\nx=1\n[a]\nx=2\n"]),
    hostile_text(8),
)

# JSON values of every kind, small.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), finite, names),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(names, children, max_size=4)),
    max_leaves=12,
)
event_payload = st.one_of(
    st.builds(
        lambda number, head, base, branch: json.dumps(
            {
                "pull_request": {
                    "number": number,
                    "head": {"repo": {"full_name": head}},
                    "base": {"repo": {"full_name": base}},
                },
                "repository": {"default_branch": branch},
            }
        ),
        st.one_of(st.integers(-5, 10**20), names, st.none(), st.booleans()),
        st.one_of(names, st.none(), st.integers()),
        st.one_of(names, st.none()),
        st.one_of(names, st.none(), st.integers()),
    ),
    json_values.map(json.dumps),
    hostile_text(8),
    st.integers(10, 3000).map(lambda d: '{"pull_request": ' + deep_json(d) + "}"),
)


def fork_results() -> st.SearchStrategy[dict]:
    """A fork's results.json: Kaizen's shape with hostile texts, and shapes that are not."""
    metric = st.fixed_dictionaries({"head": finite}, optional={"base": st.one_of(finite, st.none())})
    good = st.builds(
        lambda metrics, params, stages, data, head, base, reasons: {
            "head": head,
            "base": base,
            "metrics": metrics,
            "params": params,
            "stages": {"ran": stages, "restored": [], "skipped": stages[:1]},
            "data": data,
            "gate": {
                "rules": [{"metric": m, "direction": "higher", "min": 0.5} for m in list(metrics)[:1]],
                "verdicts": [
                    {"metric": m, "passed": False, "informational": False, "reasons": reasons}
                    for m in list(metrics)[:1]
                ],
            },
            "missing_base": {},
        },
        st.dictionaries(names, metric, min_size=1, max_size=5),
        st.lists(
            st.fixed_dictionaries({"name": names, "base": st.one_of(names, finite), "head": st.one_of(names, finite)}),
            max_size=4,
        ),
        st.lists(names, max_size=3),
        st.lists(
            st.fixed_dictionaries(
                {
                    "path": names,
                    "change": st.sampled_from(["added", "modified"]),
                    "base_size": st.none(),
                    "head_size": st.integers(0, 10**9),
                }
            ),
            max_size=3,
        ),
        st.one_of(st.sampled_from(["abc1234def56", "0123456789ab"]), names),
        st.one_of(st.sampled_from(["main (0123456789ab)", None]), names),
        st.lists(names, max_size=3),
    )
    return st.one_of(good, json_values)


def api_answer() -> st.SearchStrategy[tuple[int, dict, object]]:
    """(status, headers, body) GitHub, a proxy or a stand-in could answer."""
    link = st.one_of(
        st.just('<{same}>; rel="next"'),
        st.just('<https://api.github.com/next?page=2>; rel="next"'),
        st.just('<https://evil.example/steal>; rel="next"'),
        names,
        st.just(""),
    )
    return st.tuples(
        st.sampled_from([200, 200, 200, 201, 301, 400, 403, 404, 422, 500, 502]),
        st.fixed_dictionaries({}, optional={"link": link, "retry-after": st.sampled_from(["1", "soon", "99999"])}),
        st.one_of(json_values, st.lists(st.fixed_dictionaries({}, optional={"id": json_values, "body": json_values}))),
    )
