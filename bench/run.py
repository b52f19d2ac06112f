"""`make bench`: build the generated council at scale 1 and 10, then measure pages, reports, imports and load.

Writes bench/results.json and prints a table. PostgreSQL is used when a server answers on 127.0.0.1:5432
(databases partnership_monitor_bench_1 and _10 are dropped and rebuilt), SQLite files under /tmp otherwise.
Timings vary with the machine; query counts and ratios are the stable figures.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
SCALES = [int(scale) for scale in os.environ.get("BENCH_SCALES", "1,10").split(",")]


def postgres_available() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def run(args, env, capture=False):
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None)
    return result.stdout if capture else None


def database_for(scale: int, use_pg: bool) -> str:
    if use_pg:
        name = f"partnership_monitor_bench_{scale}"
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)
        return f"{PG}/{name}"
    path = Path(f"/tmp/partnership_monitor_bench_{scale}.sqlite3")
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def environment(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "ALLOW_INSECURE_SECRET_KEY": "true"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def build(scale: int, use_pg: bool) -> tuple[str, float]:
    url = database_for(scale, use_pg)
    env = environment(url)
    started = time.perf_counter()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "createcachetable"], env)  # the expensive requests' throttle keeps its marks there
    run([PY, "manage.py", "generate_council", "--scale", str(scale)], env)
    run([PY, "manage.py", "load_demo", "--demo-logins"], env)
    return url, time.perf_counter() - started


PARTNERSHIPS = int(os.environ.get("BENCH_PARTNERSHIPS", "100"))
APP_ROLE = "partnership_monitor_bench_app"


def many_partnerships() -> dict:
    """An install of PARTNERSHIPS partnerships of 20 plans each: its pages timed as the tables' owner (row-level
    security passed by) and as a role like the web's (every policy applies), request by request in one process
    (bench/partnerships.py), so that the ratio compares the two at the same moment of a shared machine."""
    name = "partnership_monitor_bench_partnerships"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)
    owner = f"{PG}/{name}"
    started = time.perf_counter()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], environment(owner))
    run([PY, "manage.py", "createcachetable"], environment(owner))
    run([PY, "manage.py", "generate_council", "--scale", "1", "--partnerships", str(PARTNERSHIPS)], environment(owner))
    built = time.perf_counter() - started
    grants = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "  # noqa: S608 (a constant)
        f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
        f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
    ]
    for sql in grants:
        subprocess.run(["psql", owner, "-qc", sql], check=True)
    measured = json.loads(run([PY, "bench/partnerships.py"], {**environment(owner), "BENCH_APP_ROLE": APP_ROLE},
                              capture=True).strip().splitlines()[-1])
    with_rls, without = measured["with row-level security"], measured["without row-level security"]
    return {
        "partnerships": measured["partnerships"], "plans": measured["plans"], "build_seconds": round(built, 1),
        "pages with row-level security": with_rls,
        "pages without row-level security": without,
        "row-level security cost (median with / without)": {
            key: round(with_rls[key]["median_ms"] / without[key]["median_ms"], 3) for key in with_rls
        },
        # The same cost measured in the database, statement by statement (bench/partnerships.py), as a share of
        # the page's median time without row-level security: steadier than the whole requests' ratio.
        "row-level security cost in the database (share of the page)": {
            key: round((with_rls[key]["database_ms"] - without[key]["database_ms"]) / without[key]["median_ms"], 3)
            for key in with_rls if "database_ms" in with_rls[key]
        },
    }


def optional_script(name: str, env: dict, *args: str) -> dict | str | None:
    """Run another bench script (reports, imports) if it exists; keep its JSON (all its output, or its last line),
    or else its last lines as text."""
    script = ROOT / "bench" / name
    if not script.exists():
        return None
    result = subprocess.run([PY, str(script), *args], cwd=ROOT, env=env, text=True, capture_output=True, check=False)
    output = result.stdout.strip()
    for candidate in (output, output.splitlines()[-1] if output else ""):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return output[-2000:] or result.stderr[-2000:]


def load_test(database_url: str, overview_path: str | None) -> dict | str:
    """gunicorn with 2 workers, wrk in a second process: the overview dashboard against a trivial page."""
    if not shutil.which("wrk"):
        return "skipped: wrk is not installed (apt-get install wrk)"
    gunicorn = Path(PY).with_name("gunicorn")
    if not gunicorn.exists():
        return "skipped: gunicorn is not installed"
    secret = secrets.token_urlsafe(40)  # the server and the session maker must sign with the same key
    env = {**environment(database_url), "SECRET_KEY": secret, "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "STATIC_MANIFEST": "false",
           "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING"}
    env.pop("ALLOW_INSECURE_SECRET_KEY")
    session = run([PY, "bench/session.py"], {**environment(database_url), "SECRET_KEY": secret}, capture=True).strip()
    if not overview_path:
        return "skipped: no overview dashboard page yet"
    command = [str(gunicorn), "monitoring.wsgi", "-w", "2", "-b", "127.0.0.1:8123", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        time.sleep(3)
        pages = {"trivial page": "/accessibility/", "overview dashboard": overview_path}
        results = {}
        for label, path in pages.items():
            # A load test of a redirect to the sign-in page would measure the wrong thing: check first.
            probe = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: sessionid={session}",
                 f"http://127.0.0.1:8123{path}"], text=True, capture_output=True, check=False,
            ).stdout
            if probe != "200":
                return f"failed: {path} answered {probe} to the signed-in probe, not 200"
            output = subprocess.run(
                ["wrk", "-t2", "-c8", "-d10s", "--latency", "-H", f"Cookie: sessionid={session}",
                 f"http://127.0.0.1:8123{path}"], text=True, capture_output=True, check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
            median = re.search(r"50%\s+([\d.]+\w+)", output)[1]
            p99 = re.search(r"99%\s+([\d.]+\w+)", output)[1]
            non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            results[label] = {"path": path, "requests_per_second": rps, "median_latency": median, "p99_latency": p99,
                              "non_2xx": int(non_2xx[1]) if non_2xx else 0}
        results["overview / trivial throughput ratio"] = round(
            results["overview dashboard"]["requests_per_second"] / results["trivial page"]["requests_per_second"], 3
        )
        return results
    except subprocess.CalledProcessError as error:
        return f"failed: {error}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def main():
    use_pg = postgres_available()
    results = {"database": "postgresql" if use_pg else "sqlite", "scales": {}}
    for scale in SCALES:
        url, seconds = build(scale, use_pg)
        env = environment(url)
        pages = json.loads(run([PY, "bench/pages.py"], env, capture=True).strip().splitlines()[-1])
        results["scales"][scale] = {"build_seconds": round(seconds, 1), "pages": pages}
        if scale == max(SCALES):
            results["reports"] = optional_script("reports.py", env, "--json")
            results["imports"] = optional_script("imports.py", env)
            results["hostile_files"] = optional_script("hostile_files.py", env)
            results["forecast"] = optional_script("forecast.py", env)
            results["api"] = optional_script("api.py", env)
            overview = pages.get("overview dashboard", {}).get("url")
            results["load"] = load_test(url, overview) if use_pg else "skipped: needs PostgreSQL"
    if use_pg and PARTNERSHIPS:
        results["many partnerships"] = many_partnerships()
    results["targets"] = targets(results)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    print_table(results)


def _figure(results: dict, *keys):
    """Return results[k1][k2]..., or None where the benchmark did not produce it."""
    for key in keys:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results


def targets(results: dict) -> list[dict]:
    """Return each target of the benchmark (issue 7) with the figure measured and whether it is met."""
    scales = list(results["scales"])
    largest = max(results["scales"], key=int)
    pages = {scale: results["scales"][scale]["pages"] for scale in scales}
    counts = {name: [pages[scale].get(name, {}).get("queries") for scale in scales] for name in pages[scales[0]]}
    # 12 queries before partnerships; the 13th finds the request's partnership (monitoring.partnership_scope).
    rows = [
        {"target": f"{name}: queries identical at every scale and at most 13", "measured": counts[name],
         "met": len(set(counts[name])) == 1 and None not in counts[name] and counts[name][0] <= 13}
        for name in counts
    ]

    def check(target: str, figure, limit: float):
        rows.append({"target": target, "measured": figure, "met": None if figure is None else figure < limit})

    check(f"overview dashboard median under 50 ms at scale {largest}",
          _figure(results, "scales", largest, "pages", "overview dashboard", "median_ms"), 50)
    check(f"progress form save 95th percentile under 100 ms at scale {largest}",
          _figure(results, "scales", largest, "pages", "progress form save", "p95_ms"), 100)
    check("NI 152 report under 1.5 s", _figure(results, "reports", "report", "seconds"), 1.5)
    check("NI 152 report: under 10% outside WeasyPrint",
          _figure(results, "reports", "report", "outside_weasyprint_share"), 0.10)
    check("50-plan pack peak memory under 300 MB", _figure(results, "reports", "pack", "peak_rss_mb"), 300)
    check(f"10,000 values imported under 2 s ({results['database']})",
          _figure(results, "imports", "runs", "new values (CSV)", "seconds"), 2)
    many = results.get("many partnerships")
    if isinstance(many, dict):
        scale_one = pages[min(scales, key=int)]
        for who in ("one partnership", "site administrator"):
            check(f"overview median under 50 ms with {many['plans']:,} plans in {many['partnerships']} partnerships "
                  f"({who}, row-level security on)",
                  _figure(many, "pages with row-level security", f"overview dashboard ({who})", "median_ms"), 50)
            for page in ("plan list", "overview dashboard", "plan page", "plan dashboard"):
                measured = _figure(many, "pages with row-level security", f"{page} ({who})", "queries")
                rows.append({"target": f"{page} ({who}): the queries of scale 1 with {many['partnerships']} partnerships",
                             "measured": [scale_one.get(page, {}).get("queries"), measured],
                             "met": measured is not None and measured == scale_one.get(page, {}).get("queries")})
        costs = many["row-level security cost in the database (share of the page)"]
        check("row-level security adds under 10% (the worst page's extra database time over its median)",
              max(costs.values()) if costs else None, 0.10)
    coverage = _figure(results, "forecast", "coverage of the 80% ranges")
    rows.append({"target": "forecasts: 70% to 90% of the 80% ranges hold the real year-end", "measured": coverage,
                 "met": None if coverage is None else 0.70 <= coverage <= 0.90})
    brier = [_figure(results, "forecast", f"Brier score: {name}") for name in (
        "forecast", "current RAG carries on (green or amber 1, red 0)",
        "current RAG carries on (each RAG's share met, calibrated in sample)")]
    rows.append({"target": "forecasts: Brier score below both 'current RAG carries on' baselines", "measured": brier,
                 "met": None if None in brier else brier[0] < min(brier[1:])})
    check(f"forecasts for every indicator at scale {largest} under 1 s",
          _figure(results, "forecast", "time to forecast every indicator", "median_seconds"), 1)
    check(f"API: a page of 100 values, 95th percentile under 100 ms at scale {largest}",
          _figure(results, "api", "indicator values page", "p95_ms"), 100)
    batch = [_figure(results, "api", "batch of 1,000 values", what, "median_seconds") for what in ("first entries",
                                                                                                    "changes")]
    check("API: a batch of 1,000 values saved under 1 s (median; the slower of first entries and changes)",
          None if None in batch else max(batch), 1)
    check("5 MB zip bomb refused in under 1 s", _figure(results, "hostile_files", "target", "seconds"), 1)
    check("5 MB zip bomb refused with peak memory under 100 MB (the whole process, Django included)",
          _figure(results, "hostile_files", "target", "peak_rss_mb"), 100)
    return rows


def print_table(results):
    scales = list(results["scales"])
    print(f"\nPages ({results['database']}); queries, median ms and p95 ms at scale {' and '.join(map(str, scales))}")
    print(f"{'page':24}" + "".join(f"{'q@' + str(s):>7}{'med@' + str(s):>10}{'p95@' + str(s):>10}" for s in scales))
    names = list(results["scales"][scales[0]]["pages"])
    for name in names:
        row = f"{name:24}"
        for scale in scales:
            page = results["scales"][scale]["pages"].get(name, {})
            row += f"{page.get('queries', '-'):>7}{page.get('median_ms', '-'):>10}{page.get('p95_ms', '-'):>10}"
        print(row)
    for key in ("reports", "imports", "hostile_files", "forecast", "load"):
        print(f"\n{key}: {json.dumps(results.get(key), indent=2)}")
    print("\nTargets")
    for row in results["targets"]:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[row["met"]]
        print(f"  {verdict:13} {row['target']}: {row['measured']}")
    print("\nWritten to bench/results.json")


if __name__ == "__main__":
    main()
