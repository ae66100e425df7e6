"""kaizen.inputs: each kind's parser gives a clean value for good input, the default for blank,
and one InputError naming the input for anything else."""

from __future__ import annotations

import pytest

from kaizen import inputs
from kaizen.gha import InputError


@pytest.fixture()
def given(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "runner"))

    def set_input(name: str, value: str) -> None:
        monkeypatch.setenv(inputs.variable(name), value)

    return set_input


def refused(parse, name: str, match: str = ""):
    with pytest.raises(InputError, match=f"^{name}: {match}") as info:
        parse()
    assert info.value.title == name


def test_blank_means_the_default(given):
    given("coverage", " ")
    assert inputs.boolean("coverage", True) is True
    given("keep", "")
    assert inputs.integer("keep", 20) == 20
    given("smoke-timeout", "")
    assert inputs.seconds("smoke-timeout", 60) == 60
    given("name", "")
    assert inputs.report_name("name") == "train"


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("Yes", True), ("1", True), ("false", False), ("NO", False)]
)
def test_boolean(given, raw, value):
    given("informational", raw)
    assert inputs.boolean("informational", not value) is value


@pytest.mark.parametrize("raw", ["maybe", "on", "nein", "tru"])
def test_a_boolean_is_true_or_false_only(given, raw):
    given("fail-on-gate", raw)
    refused(lambda: inputs.boolean("fail-on-gate", True), "fail-on-gate", "expected true or false")


@pytest.mark.parametrize("raw", ["0", "-3", "2.5", "²", "1_0", "twenty", "9" * 13])
def test_integer_is_ascii_digits_at_least_the_minimum(given, raw):
    given("keep", raw)
    refused(lambda: inputs.integer("keep", 20), "keep", "'.*' is not a whole number of at least 1")


def test_port_is_within_range(given):
    given("ssh-port", "2222")
    assert inputs.port("ssh-port", 22) == 2222
    given("ssh-port", "70000")
    refused(
        lambda: inputs.port("ssh-port", 22), "ssh-port", "'70000' is not a whole number of at least 1 and at most 65535"
    )


@pytest.mark.parametrize("raw", ["-5", "0", "nan", "inf", "-inf", "1e999", "5 minutes", "½"])
def test_seconds_are_a_finite_positive_number(given, raw):
    given("smoke-timeout", raw)
    refused(lambda: inputs.seconds("smoke-timeout", 60), "smoke-timeout", ".* is not a number above 0 \\(seconds")


def test_seconds_accept_fractions(given):
    given("smoke-timeout", "2.5")
    assert inputs.seconds("smoke-timeout", 60) == 2.5


@pytest.mark.parametrize(
    "raw", ["staging.example.com", "ftp://x", "http://", "http://a b", "https://host:port/", "http://ex\u00e4mple.com"]
)
def test_url_is_http_with_a_host(given, raw):
    given("url", raw)
    refused(lambda: inputs.url("url", "give the URL"), "url", ".* is not an http\\(s\\) URL")


def test_url_drops_the_trailing_slash(given):
    given("url", "http://127.0.0.1:8080/")
    assert inputs.url("url", "give the URL") == "http://127.0.0.1:8080"


@pytest.mark.parametrize("raw", ["health", "//evil.example/x", "/a b", "/a#b"])
def test_url_path_starts_with_one_slash(given, raw):
    given("health-path", raw)
    refused(lambda: inputs.url_path("health-path", "/health"), "health-path", ".* is not a URL path")


@pytest.mark.parametrize("raw", ["train", '{"a": 1}', "[1, 2]", '["a", 2]'])
def test_json_list_is_of_strings(given, raw):
    given("stages-ran", raw)
    refused(lambda: inputs.json_list("stages-ran"), "stages-ran", "expected a JSON list of names")


def test_paths_stay_inside_the_workspace(given, tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "gate.yml").write_text("metrics: {}\n")
    (tmp_path.parent / "outside.yml").write_text("x")
    (tmp_path / "link.yml").symlink_to(tmp_path.parent / "outside.yml")
    given("working-directory", "proj")
    assert inputs.working_directory() == ("proj", (tmp_path / "proj").resolve())
    given("thresholds-file", "gate.yml")
    assert inputs.file("thresholds-file", base=tmp_path / "proj") == (tmp_path / "proj" / "gate.yml").resolve()
    for outside in ("../outside.yml", str(tmp_path.parent / "outside.yml"), "/etc/passwd", "link.yml"):
        given("thresholds-file", outside)
        refused(lambda: inputs.file("thresholds-file"), "thresholds-file", ".* is outside the repository")
    given("working-directory", "missing")
    refused(inputs.working_directory, "working-directory", "'missing' does not exist in the repository")
    given("working-directory", "proj/gate.yml")
    refused(inputs.working_directory, "working-directory", "'proj/gate.yml' is a file, not a folder")


def test_files_the_workflow_downloads_may_be_in_the_runners_temp(given, tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "repo"))
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "results.json").write_text("{}")
    given("results-file", str(tmp_path / "runner" / "results.json"))
    refused(lambda: inputs.file("results-file"), "results-file", ".* is outside the repository")
    assert inputs.file("results-file", temp_ok=True) == (tmp_path / "runner" / "results.json").resolve()


def test_json_file_must_hold_json(given, tmp_path):
    (tmp_path / "request.json").write_text('{"x": [1]}')
    (tmp_path / "bad.json").write_bytes(b"\xff{")
    given("smoke-request", "request.json")
    assert inputs.json_file("smoke-request") == b'{"x": [1]}'
    given("smoke-request", "bad.json")
    refused(lambda: inputs.json_file("smoke-request"), "smoke-request", "'bad.json' is not valid JSON")


def test_image_names_are_lower_cased_and_refs_refused(given):
    given("image", "ghcr.io/Acme/Consumer")
    assert inputs.image("image") == "ghcr.io/acme/consumer"
    given("image", "127.0.0.1:5000/acme/model")
    assert inputs.image("image") == "127.0.0.1:5000/acme/model"
    for bad in ("ghcr.io/acme/model:latest", "ghcr.io/acme/model@sha256:00"):
        given("image", bad)
        refused(lambda: inputs.image("image"), "image", ".* has a tag or digest")
    given("image", "Not An Image!!")
    refused(lambda: inputs.image("image"), "image", "'Not An Image!!' is not an image name")


def test_digest(given):
    given("digest", "sha256:" + "a" * 64)
    assert inputs.digest("digest", "use the push's digest").startswith("sha256:")
    given("digest", "latest")
    refused(lambda: inputs.digest("digest", "use the push's digest"), "digest", "'latest' is not a sha256 digest")


@pytest.mark.parametrize("raw", ['evil"] -->', "a b", "x" * 65, "é"])
def test_report_names_are_letters_digits_dot_dash_underscore(given, raw):
    given("report-name", raw)
    refused(lambda: inputs.report_name("report-name"), "report-name", ".* is not a report name")


@pytest.mark.parametrize("repository", ["../../admin/x", "acme", "acme/consumer/extra", "acme/..", "-x/y"])
def test_a_repository_that_is_not_owner_name_is_refused(given, repository):
    assert not inputs.valid_repository(repository)
    given("repository", repository)
    refused(lambda: inputs.repository("repository"), "repository", ".* is not a repository's owner/name")
    assert inputs.valid_repository("acme/consumer.ml") and inputs.valid_repository("Kaizen-CI/kaizen_2")


def test_repository_defaults_to_this_runs(given, monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/consumer")
    given("repository", "")
    assert inputs.repository("repository") == "acme/consumer"


@pytest.mark.parametrize("raw", ["HEAD", "main", "abc123", "0" * 39])
def test_commit_sha_is_forty_hex_digits(given, raw):
    given("base-sha", raw)
    refused(lambda: inputs.commit_sha("base-sha", "pass the base's SHA"), "base-sha", ".* is not a commit SHA")


@pytest.mark.parametrize(
    "raw", ["--upload-pack=touch PWNED; git-upload-pack", "-x", "a..b", "main@{1}", ".hidden", "x.lock"]
)
def test_git_refs_are_never_options(given, raw):
    given("base-ref", raw)
    refused(lambda: inputs.git_ref("base-ref"), "base-ref", ".* is not a branch, tag or commit")


def test_git_refs_that_are_fine(given):
    for ref in ("main", "origin/main", "release/1.2", "v1.0.0", "a" * 40):
        given("base-ref", ref)
        assert inputs.git_ref("base-ref") == ref


@pytest.mark.parametrize("raw", ["-oProxyCommand=touch x", "a b", "host;id", "$(id)"])
def test_ssh_host_is_never_an_option(given, raw):
    given("ssh-host", raw)
    refused(lambda: inputs.host("ssh-host", "give the host"), "ssh-host", ".* is not a host name or IP address")


@pytest.mark.parametrize("raw", ["-oProxyCommand=x", "root;id", "a b"])
def test_ssh_user_is_a_login_name(given, raw):
    given("ssh-user", raw)
    refused(lambda: inputs.user_name("ssh-user", "deploy"), "ssh-user", ".* is not a user name")


def test_versions_and_extras(given):
    given("ruff-version", "0.8.4")
    assert inputs.version("ruff-version") == "0.8.4"
    given("ruff-version", "0.8.4 --index-url http://evil")
    refused(lambda: inputs.version("ruff-version"), "ruff-version", ".* is not a version number")
    given("extras", "dev, test")
    assert inputs.extras("extras") == "dev,test"
    given("extras", "dev]; x")
    refused(lambda: inputs.extras("extras"), "extras", ".* is not a comma-separated list of extras")


def test_pull_request_number(given):
    given("pull-request", "7")
    assert inputs.pull_request("pull-request") == 7
    for raw in ("²", "0", "7a", ""):
        given("pull-request", raw)
        refused(lambda: inputs.pull_request("pull-request"), "pull-request", ".* is not a pull request number")
