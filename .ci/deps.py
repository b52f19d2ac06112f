"""The locked dependencies: `lock` writes requirements.lock, `audit` checks it for known vulnerabilities.

    python .ci/deps.py lock    # resolve pyproject.toml (with the dev extra) and pin every package
    python .ci/deps.py audit   # pip-audit requirements.lock; exit 1 only if a vulnerability is found

The lock is made by pip's own resolver (`pip install --dry-run --ignore-installed --report`), so it pins
exactly what `pip install -e '.[dev]'` would install on a fresh machine, whatever this virtualenv holds.

pip-audit asks a vulnerability service (PyPI's JSON API) about each pinned version. Where that service cannot
be reached (a machine that reaches only package indexes), pip-audit either fails to connect or marks every
package "could not be audited" while still saying "No known vulnerabilities found": both are reported here as
a warning that nothing was audited, and the run carries on. A vulnerability found always fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PROJECT = "partnership-monitor"
HEADER = """\
# Every package that `pip install -e '.[dev]'` installs, pinned. Written by `make lock` (.ci/deps.py lock,
# pip's resolver over pyproject.toml): do not edit by hand. `make setup` installs with it as constraints,
# and `make audit` checks it with pip-audit.
"""

# Words in pip-audit's error output that mean the vulnerability service could not be reached.
UNREACHABLE = (
    "ConnectionError", "NameResolutionError", "Max retries exceeded", "Failed to resolve", "Temporary failure",
    "timed out", "Timeout", "SSLError", "ProxyError", "Connection refused", "Network is unreachable",
    "503 Server Error", "502 Server Error", "504 Server Error",
)


# A slow service must not hold CI up: past this, the audit is reported as not done, like an unreachable one.
AUDIT_SECONDS = 300


def normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


# ---------------------------------------------------------------------------------------------------------
# lock


def resolve() -> dict[str, str]:
    """Return {name: version} of everything pip would install for the project with its dev extra."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--report", str(report), "-e", f"{ROOT}[dev]"],
            check=True,
        )
        data = json.loads(report.read_text())
    pins = {normalise(item["metadata"]["name"]): item["metadata"]["version"] for item in data["install"]}
    pins.pop(PROJECT, None)
    return pins


def write_lock(pins: dict[str, str], path: Path = LOCK) -> None:
    path.write_text(HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))


def read_lock(path: Path = LOCK) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[normalise(name)] = version
    return pins


# ---------------------------------------------------------------------------------------------------------
# audit


@dataclass
class Verdict:
    failed: bool
    lines: list[str] = field(default_factory=list)


def stale_pins(pyproject: dict, pins: dict[str, str]) -> list[str]:
    """Return what in pyproject.toml the lock does not pin, or pins outside the declared bounds."""
    from packaging.requirements import Requirement

    declared = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"].get("optional-dependencies", {}).values():
        declared += extra
    problems = []
    for text in declared:
        requirement = Requirement(text)
        pinned = pins.get(normalise(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"requirements.lock pins {requirement.name}=={pinned}, outside {requirement.specifier}")
    return problems


def judge(returncode: int, report: dict | None, stderr: str) -> Verdict:
    """Decide what pip-audit's run means: vulnerabilities fail; an unreachable service only warns."""
    if report is not None:
        dependencies = report.get("dependencies", [])
        vulnerable = [dep for dep in dependencies if dep.get("vulns")]
        if vulnerable:
            lines = [f"pip-audit: {len(vulnerable)} locked package(s) have known vulnerabilities:"]
            for dep in vulnerable:
                for vuln in dep["vulns"]:
                    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                    lines.append(f"  {dep['name']} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixed})")
            return Verdict(True, lines)
        skipped = [dep for dep in dependencies if dep.get("skip_reason")]
        audited = len(dependencies) - len(skipped)
        if returncode != 0:
            return Verdict(True, [f"pip-audit failed (exit {returncode}) without naming a vulnerability:", stderr.strip()])
        if skipped and not audited:
            return Verdict(False, [
                f"WARNING: pip-audit could not audit any of the {len(skipped)} locked packages: the vulnerability "
                "service (PyPI's JSON API) is not reachable from this machine. Nothing was checked; run "
                "`make audit` where it is reachable.",
                f"  first reason given: {skipped[0]['skip_reason']}",
            ])
        lines = [f"pip-audit: no known vulnerabilities in {audited} locked package(s)."]
        if skipped:
            lines.append(f"WARNING: {len(skipped)} package(s) could not be audited: "
                         + ", ".join(dep["name"] for dep in skipped))
        return Verdict(False, lines)
    if any(word in stderr for word in UNREACHABLE):
        last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "")
        return Verdict(False, [
            "WARNING: pip-audit could not reach its vulnerability service; nothing was audited. Run `make audit` "
            "where the service is reachable.",
            f"  {last[:300]}",
        ])
    return Verdict(True, [f"pip-audit failed (exit {returncode}) and wrote no report:", stderr.strip()[-2000:]])


def audit(lock: Path = LOCK) -> int:
    problems = stale_pins(tomllib.loads((ROOT / "pyproject.toml").read_text()), read_lock(lock))
    for problem in problems:
        print(f"WARNING: {problem}: run `make lock`.")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        try:
            run = subprocess.run(  # noqa: S603 - a fixed command line
                [sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--no-deps", "--disable-pip",
                 "--progress-spinner", "off", "--timeout", "10", "--format", "json", "--output", str(output)],
                capture_output=True, text=True, timeout=AUDIT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            print(f"WARNING: pip-audit's vulnerability service did not answer within {AUDIT_SECONDS} seconds; "
                  "nothing was audited. Run `make audit` where the service is reachable.")
            return 0
        text = output.read_text() if output.exists() else ""
    try:
        report = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        report = None
    verdict = judge(run.returncode, report, run.stderr)
    print("\n".join(verdict.lines))
    return 1 if verdict.failed else 0


def main(argv: list[str]) -> int:
    if argv == ["lock"]:
        write_lock(resolve())
        print(f"Wrote {LOCK.name}.")
        return 0
    if argv == ["audit"]:
        return audit()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
