"""The harness is as strict as GitHub: a consumer's origin is private by default (git's smart
HTTP refusing anonymous fetches, as GitHub does for a private repository), and the checkout
stand-in honours persist-credentials and fetch-depth as actions/checkout does."""

from pathlib import Path

from kaizen_harness import act, consumer

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
WORKFLOW = f"""\
name: probe
on: push
permissions: {{}}
jobs:
  probe:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions:
      contents: read
    outputs:
      shallow: ${{{{ steps.probe.outputs.shallow }}}}
      anonymous: ${{{{ steps.probe.outputs.anonymous }}}}
      kept: ${{{{ steps.probe.outputs.kept }}}}
      persisted: ${{{{ steps.probe.outputs.persisted }}}}
      full: ${{{{ steps.probe.outputs.full }}}}
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - uses: {CHECKOUT}
        with:
          path: persisted
      - uses: {CHECKOUT}
        with:
          path: full
          persist-credentials: false
          fetch-depth: 0
      - id: probe
        name: Probe the clones
        shell: bash
        run: |
          echo "shallow=$(git rev-list --count HEAD)" >> "$GITHUB_OUTPUT"
          if GIT_TERMINAL_PROMPT=0 git fetch --quiet --depth=1 origin main; then a=fetched; else a=refused; fi
          echo "anonymous=$a" >> "$GITHUB_OUTPUT"
          echo "kept=$(git config --local --get-regexp 'extraheader' | wc -l)" >> "$GITHUB_OUTPUT"
          if git -C persisted fetch --quiet --depth=1 origin main; then p=fetched; else p=refused; fi
          echo "persisted=$p" >> "$GITHUB_OUTPUT"
          echo "full=$(git -C full rev-list --count HEAD)" >> "$GITHUB_OUTPUT"
"""
MASKED = """\
name: masked
on: push
permissions: {}
jobs:
  masked:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    outputs:
      port: ${{ steps.set.outputs.port }}
    steps:
      - id: set
        name: Mask a value, then output it
        shell: bash
        run: |
          echo "::add-mask::2222"
          echo "port=2222" >> "$GITHUB_OUTPUT"
"""


def probe(tmp_path: Path, sandbox: act.Sandbox, public: bool) -> dict[str, str]:
    repo = consumer.create_consumer(tmp_path / "consumer", [])
    (repo / ".github" / "workflows" / "probe.yml").write_text(WORKFLOW)
    consumer.commit_all(repo, "Probe")
    consumer.commit_all(repo, "Another commit")
    head = consumer.git(repo, "rev-parse", "HEAD")
    payload = {"ref": "refs/heads/main", "before": "0" * 40, "after": head}
    run = act.run_workflow(repo, "push", sandbox, workflow="probe.yml", payload=payload, public=public)
    assert run.returncode == 0, run.log[-4000:]
    outputs = {name: value for _, name, value in run.outputs("probe", step="Probe")}
    assert "ghs_" not in run.log  # the run's token is never printed
    return outputs


def test_a_private_origin_refuses_anonymous_fetches_and_checkout_honours_its_inputs(tmp_path, sandbox):
    outputs = probe(tmp_path, sandbox, public=False)
    assert outputs == {"shallow": "1", "anonymous": "refused", "kept": "0", "persisted": "fetched", "full": "3"}


def test_a_public_origin_serves_anyone(tmp_path, sandbox):
    outputs = probe(tmp_path, sandbox, public=True)
    assert outputs["anonymous"] == "fetched" and outputs["shallow"] == "1"


def test_a_job_output_containing_a_masked_value_fails_the_run(tmp_path, sandbox):
    """GitHub drops such an output (the next job would get an empty string); act passes it on."""
    repo = consumer.create_consumer(tmp_path / "consumer", [])
    (repo / ".github" / "workflows" / "masked.yml").write_text(MASKED)
    head = consumer.commit_all(repo, "Masked output")
    payload = {"ref": "refs/heads/main", "before": "0" * 40, "after": head}
    run = act.run_workflow(repo, "push", sandbox, workflow="masked.yml", payload=payload)
    assert run.returncode != 0, [r for r in run.records if r.get("command")]
    assert any("contains a masked value" in a["message"] for a in run.annotations()), run.log[-3000:]
