"""Time train.yml end to end through act, on the example project or the get-started-shaped
fixture project (tests/fixture_projects.py):

- a pull request that changes a param (its stages rerun), cold (no uv or DVC cache) and warm
  (the caches the cold run left), with every step of the warm job timed;
- a push that changes a file no stage depends on, with the previous head as its base: the
  plan step skips the rest of the job;
- a first push (no base), where everything runs and DVC skips every stage: what the
  unchanged push cost before the plan step.

Each round makes a new state dir and a consumer trained and pushed to a local DVC remote by
its developer, so every variant sees the same machine load. Medians and ratios are reported.

    .venv/bin/python benchmarks/train_workflow.py --rounds 3 [--project get-started]
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks_common import parse_args, publish, step_seconds, steps  # noqa: E402

from kaizen_harness import act, consumer, training  # noqa: E402
from kaizen_harness.github_api import GitHubAPIStandIn  # noqa: E402

JOB = "train/train/Train and report"
REPORT_STEP = "Report metrics and params against the base"  # the step's name in train.yml
# Not Kaizen's: installing the project's own dependencies, and act's own job set-up.
NOT_KAIZENS = ("Install the project", "Set up job", "Complete job")


def example_consumer(root: Path, round_no: int) -> tuple[Path, str]:
    bin_dir = training.developer_python(root / "developer-venv")
    repo = consumer.create_consumer(root / f"consumer-{round_no}", ["train.yml"])
    return repo, training.train_and_push(repo, bin_dir, str(root / f"remote-{round_no}"))


def example_change(repo: Path) -> None:
    params = repo / "params.yaml"
    params.write_text(re.sub(r"  C: .*", "  C: 0.05", params.read_text()))


def example_unrelated(repo: Path) -> None:
    serve = repo / "src" / "kaizen_example" / "serve.py"
    serve.write_text(serve.read_text() + "\n# a serving-only change\n")


def get_started_consumer(root: Path, round_no: int) -> tuple[Path, str]:
    import fixture_projects

    project = fixture_projects.get_started(root / f"project-{round_no}")
    repo = consumer.create_consumer(root / f"consumer-{round_no}", ["train.yml"], project=project)
    consumer.set_inputs(repo, "train.yml", {"requirements": "src/requirements.txt"}, calls="train.yml")
    bin_dir = training.developer_python(root / "developer-venv", project=project, requirements=["src/requirements.txt"])
    training.dvc(repo, bin_dir, "init", "--quiet")
    consumer.commit_all(repo, "dvc init")
    return repo, training.train_and_push(repo, bin_dir, str(root / f"remote-{round_no}"))


def get_started_change(repo: Path) -> None:
    import fixture_projects

    fixture_projects.set_n_est(repo, 3)


def get_started_unrelated(repo: Path) -> None:
    (repo / "src" / "serve.py").write_text("# a service beside the pipeline\n")


PROJECTS = {
    "example": (example_consumer, example_change, example_unrelated),
    "get-started": (get_started_consumer, get_started_change, get_started_unrelated),
}


def run_or_fail(kind: str, *args, **kwargs) -> act.ActRun:
    run = act.run_workflow(*args, **kwargs)
    if run.returncode != 0 or {job.name: job.result for job in run.jobs()}.get(JOB) != "success":
        print(run.log[-3000:], file=sys.stderr)
        raise SystemExit(f"{kind} run failed")
    return run


def main() -> int:
    args = parse_args(__doc__, project={"choices": sorted(PROJECTS), "default": "example"})
    make, change, unrelated = PROJECTS[args.project]
    runs: dict[str, list] = {
        key: [] for key in ("cold", "warm", "unchanged", "unchanged_no_base", "report_step", "train_step", "warm_steps")
    }
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-train-") as tmp:
        root = Path(tmp)
        for round_no in range(args.rounds):
            repo, base = make(root, round_no)
            consumer.git(repo, "checkout", "--quiet", "-b", "tune")
            change(repo)
            head = consumer.commit_all(repo, "Tune")
            sandbox = act.Sandbox(root / f"state-{round_no}")
            for kind in ("cold", "warm"):
                with GitHubAPIStandIn("ghs_benchmark") as api:
                    run = run_or_fail(
                        kind,
                        repo,
                        "pull_request",
                        sandbox,
                        workflow="train.yml",
                        payload=training.pull_request_payload(base, head),
                        env={"GITHUB_API_URL": api.url},
                        secrets={"GITHUB_TOKEN": "ghs_benchmark"},
                    )
                runs[kind].append(round(run.seconds, 1))
                runs["report_step"] += step_seconds(run, REPORT_STEP)
                runs["train_step"] += step_seconds(run, "Pull, reproduce what changed and push")
                if kind == "warm":
                    runs["warm_steps"].append(steps(run, JOB))
                print(f"round {round_no + 1} {kind}: {run.seconds:.1f}s", flush=True)
            consumer.git(repo, "checkout", "--quiet", "main")
            unrelated(repo)
            after = consumer.commit_all(repo, "Not a pipeline input")
            run = run_or_fail(
                "unchanged", repo, "push", sandbox, workflow="train.yml", payload=training.push_payload(after, base)
            )
            runs["unchanged"].append(round(run.seconds, 1))
            run = run_or_fail(
                "unchanged, no base", repo, "push", sandbox, workflow="train.yml", payload=training.push_payload(after)
            )
            runs["unchanged_no_base"].append(round(run.seconds, 1))
            print(f"round {round_no + 1} unchanged: {runs['unchanged'][-1]}s, no base {run.seconds:.1f}s", flush=True)
    median = {key: statistics.median(runs[key]) for key in ("cold", "warm", "unchanged", "unchanged_no_base")}
    median["report_step"] = round(statistics.median(runs["report_step"]), 2)
    median["train_step"] = round(statistics.median(runs["train_step"]), 2)
    # Every top-level step of the warm pull request, median over rounds; Kaizen's own share is
    # all of them but the project's install (a sub-step of actions/setup) and act's job set-up.
    names = [name for name, _, _ in runs["warm_steps"][0]]
    warm_steps = []
    for index, name in enumerate(names):
        values = [round_steps[index][2] for round_steps in runs["warm_steps"] if len(round_steps) > index]
        depth = runs["warm_steps"][0][index][1]
        warm_steps.append({"step": name, "depth": depth, "median_s": round(statistics.median(values), 2)})
    outer = [s for s in warm_steps if s["depth"] == 0 and s["step"] not in NOT_KAIZENS]
    install = sum(s["median_s"] for s in warm_steps if s["step"] == "Install the project")
    kaizen_own = round(sum(s["median_s"] for s in outer) - install, 1)
    publish(
        args,
        runs,
        project=args.project,
        median=median,
        warm_steps=warm_steps,
        kaizen_own_warm_s=kaizen_own,
        warm_over_cold=round(median["warm"] / median["cold"], 2),
        unchanged_over_cold=round(median["unchanged"] / median["cold"], 2),
        unchanged_no_base_over_cold=round(median["unchanged_no_base"] / median["cold"], 2),
        report_share_of_warm=round(median["report_step"] / median["warm"], 2),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
