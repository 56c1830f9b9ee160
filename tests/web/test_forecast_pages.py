"""The forecast and targeting pages and API: every page's numbers equal the CLI's ``--json`` on the same
base, the plan is set by the head (form and file) and refused to others with the reason at the field, the
results are computed once per data fingerprint in the background, and a prospect's card shows its score."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clientbase.cli.main import app as cli
from clientbase.web.formatting import money, number, percent
from tests.web.conftest import HEAD, MANAGER, OTHER, Base, bearer, log_in, make_client

HX = {"HX-Request": "true"}


def run_cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def ready(client: TestClient, path: str, target: str | None = None, *, seconds: float = 120) -> str:
    """The page (or its HTMX fragment) once its background computation is done."""
    headers = {**HX, "HX-Target": target} if target else {}
    deadline = time.monotonic() + seconds
    while True:
        page = client.get(path, headers=headers)
        assert page.status_code == 200, page.text[-2000:]
        if 'aria-busy="true" role="status"' not in page.text:
            return page.text
        assert time.monotonic() < deadline, f"{path} still computing"
        time.sleep(0.3)


def api(client: TestClient, path: str, manager_id: str, *, seconds: float = 120) -> Any:
    """The API's answer once its computation is done (202 "ask again" until then)."""
    headers, deadline = bearer(client, manager_id), time.monotonic() + seconds
    while (response := client.get(path, headers=headers)).status_code == 202:
        assert response.headers["retry-after"] and time.monotonic() < deadline, path
        time.sleep(0.3)
    return response


def row(html: str, attribute: str, value: str) -> str:
    found = re.search(rf'<tr {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={value}"
    return found.group(1)


@pytest.fixture
def cli_first(base: Base) -> Iterator[tuple[Base, dict[str, Any]]]:
    """The CLI's documents on the base, made before the app opens it."""
    docs = {
        "forecast": run_cli("forecast", "--db", base.url, "--level", "total,segment"),
        "acquisition": run_cli("acquisition", "--db", base.url),
        "targets": run_cli("targets", "--db", base.url, "--as", OTHER, "--limit", "50"),
    }
    yield base, docs


def test_forecast_page_equals_the_cli(cli_first: tuple[Base, dict[str, Any]]) -> None:
    base, docs = cli_first
    expected = docs["forecast"]
    for client in make_client(base.url):
        log_in(client, HEAD)
        html = ready(client, "/forecast?level=segment")
        assert 'data-vega-spec="fc_total-spec"' in html and 'data-vega-spec="fc_level-spec"' in html
        assert "&#34;lo95&#34;" in html and "&#34;hi80&#34;" in html  # the chart carries both intervals
        for entry in expected["series"]:
            label = ", ".join(str(v) for k, v in entry["key"].items() if k != "level") or "total"
            cells = row(html, "data-series", label)
            first = entry["forecast"][0]
            assert money(first["mean"]) in cells, label
            assert f"{money(first['lo80'])} – {money(first['hi80'])}" in cells
            assert f"{money(first['lo95'])} – {money(first['hi95'])}" in cells
            b = entry["backtest"]
            if b is not None:
                for key, places in (("mase", 3), ("seasonal_naive_mase", 3), ("smape", 2), ("wape", 3)):
                    assert number(b[key], places) in cells, (label, key)
                assert money(b["bias"]) in cells
        answer = api(client, "/api/v1/forecast?level=segment", HEAD).json()
        assert answer["series"] == json.loads(json.dumps(expected["series"]))
        # the result is kept: the next view reads it without computing again
        started = time.perf_counter()
        assert client.get("/forecast?level=segment").status_code == 200
        assert time.perf_counter() - started < 2


def test_a_manager_forecasts_their_own_book(client: TestClient, base: Base) -> None:
    log_in(client, MANAGER)
    html = ready(client, "/forecast?level=owner")
    assert "the book of M03" in html and f'data-series="{OTHER}"' not in html
    document = api(client, "/api/v1/forecast?level=owner", MANAGER).json()
    assert document["scope"]["owner_id"] == MANAGER
    assert [e["key"] for e in document["series"] if e["key"]["level"] == "owner"] == [
        {"level": "owner", "owner": MANAGER}
    ]


def test_bad_forecast_input_is_a_message_not_a_500(client: TestClient) -> None:
    log_in(client, HEAD)
    for query in ("horizon=0", "horizon=abc", "level=planet", "measure=profit", "freq=day"):
        page = client.get(f"/forecast?{query}")
        assert page.status_code == 422, query
        answer = api(client, f"/api/v1/forecast?{query}", HEAD)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"], query


def _month_ahead(client: TestClient) -> str:
    document = api(client, "/api/v1/forecast?level=total&views=false", HEAD).json()
    return str(document["series"][0]["forecast"][0]["period"])


def test_the_head_sets_a_plan_and_the_page_equals_plan_show(base: Base) -> None:
    for client in make_client(base.url):
        month = _month_ahead(client)
        csrf = log_in(client, MANAGER)
        refused = client.post("/forecast/plan", data={"csrf_token": csrf, "month": month, "target": "1"})
        assert refused.status_code == 403
        csrf = log_in(client, HEAD)
        bad = client.post("/forecast/plan", data={"csrf_token": csrf, "month": "2026-13", "target": "-5"})
        assert bad.status_code == 422 and 'id="month-error"' in bad.text and "YYYY-MM" in bad.text
        done = client.post(
            "/forecast/plan",
            data={"csrf_token": csrf, "month": month, "target": "50000", "owner_id": MANAGER},
        )
        assert done.status_code == 303 and "Plan+set" in done.headers["location"]
        upload = f"owner_id,segment,month,target\n{OTHER},*,{month},40000.50\n".encode()
        imported = client.post(
            "/forecast/plan/import",
            data={"csrf_token": csrf},
            files={"file": ("plan.csv", upload, "text/csv")},
        )
        assert imported.status_code == 303
        wrong = client.post(
            "/forecast/plan/import",
            data={"csrf_token": csrf},
            files={"file": ("plan.csv", b"owner_id,month,target\nM99,2026-01,1\n", "text/csv")},
        )
        assert wrong.status_code == 422 and 'id="file-error"' in wrong.text and "M99" in wrong.text
        html = ready(client, "/forecast/plan")
    expected = run_cli("plan", "show", "--db", base.url, "--top", "10")
    assert len(expected["lines"]) == 2
    for line in expected["lines"]:
        assert money(line["gap"]) in html and money(line["target"]) in html
    for shortfall in expected["shortfalls"]:
        table = re.search(rf'data-shortfall="{shortfall["owner_id"]}\|\*">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
        for c in shortfall["customers"]:
            assert c["counterparty_id"] in table and money(c["shortfall"]) in table


def test_acquisition_page_equals_the_cli(cli_first: tuple[Base, dict[str, Any]]) -> None:
    base, docs = cli_first
    expected = docs["acquisition"]
    for client in make_client(base.url):
        log_in(client, MANAGER)
        html = ready(client, "/acquisition")
        answer = api(client, "/api/v1/acquisition", MANAGER).json()
    assert 'data-vega-spec="acq-spec"' in html
    assert answer["targeted_vs_spontaneous"] == expected["targeted_vs_spontaneous"]
    shown = 0
    for pair in expected["targeted_vs_spontaneous"]:
        for mode in ("targeted", "spontaneous"):
            figures = pair[mode]
            if figures is None:
                continue
            cells = row(html, 'data-channel="{}" data-mode'.format(pair["channel"]), mode)
            assert f">{number(figures['prospects'])}<" in cells
            assert percent(figures["conversion_rate"]) in cells
            assert money(figures["cost_per_acquired"]) in cells
            shown += 1
    assert shown


def test_targets_page_equals_the_cli_and_exports_the_list(cli_first: tuple[Base, dict[str, Any]]) -> None:
    base, docs = cli_first
    expected = docs["targets"]
    for client in make_client(base.url):
        log_in(client, OTHER)
        html = ready(client, "/targets")
        exported = client.get("/targets/export.csv")
        refused = api(client, f"/api/v1/targets?owner={MANAGER}", OTHER)
        xlsx = api(client, "/api/v1/targets/export.xlsx", OTHER)
    assert refused.status_code == 403 and expected["prospects"]
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert f"of {number(expected['open_prospects'])}" in html or expected["open_prospects"] == 0
    for p in expected["prospects"]:
        cells = row(html, "data-id", p["counterparty_id"])
        assert money(p["expected_value"]) in cells and percent(p["p_convert"]) in cells
        assert p["owner_id"] == OTHER
    for group in expected["profile"]:
        assert group["description"] in html
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["counterparty_id"] for r in rows] == [p["counterparty_id"] for p in expected["prospects"]]
    assert 'filename="prospects-M04.csv"' in exported.headers["content-disposition"]


def test_the_prospect_card_shows_its_score(client: TestClient, base: Base) -> None:
    log_in(client, HEAD)
    ready(client, "/targets")
    scored = api(client, "/api/v1/targets?limit=1", HEAD).json()["prospects"][0]
    cid = scored["counterparty_id"]
    card = client.get(f"/customers/{cid}")
    assert f'hx-get="/customers/{cid}/score"' in card.text
    html = ready(client, f"/customers/{cid}/score")
    score = api(client, f"/api/v1/counterparties/{cid}/score", HEAD).json()["score"]
    assert score["expected_value"] == scored["expected_value"]
    assert money(score["expected_value"]) in html and "score-factors" in html
    for factor in score["factors"]:
        assert money(factor["effect"]) in html
    log_in(client, MANAGER)
    assert client.get(f"/customers/{base.other}/score").status_code == 404
    assert "No score" in ready(client, f"/customers/{base.own}/score")


def test_pages_and_api_on_each_engine(any_client: TestClient) -> None:
    log_in(any_client, HEAD)
    forecast = api(any_client, "/api/v1/forecast?level=owner&views=false", HEAD).json()
    assert forecast["coherent"] and forecast["series"][0]["key"] == {"level": "total"}
    html = ready(any_client, "/forecast?level=owner")
    assert money(forecast["series"][0]["forecast"][0]["mean"]) in html
    for path in ("/acquisition", "/targets"):
        assert 'role="alert"' not in ready(any_client, path), path
    assert api(any_client, "/api/v1/targets/profile", HEAD).status_code == 200


def test_the_api_answers_202_while_it_computes(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from clientbase.web import computed

    monkeypatch.setattr(computed, "API_WAIT", 0.0)
    first = client.get("/api/v1/forecast?level=region&views=false", headers=bearer(client, HEAD))
    assert first.status_code == 202 and first.headers["retry-after"] == "5"
    assert "ask again" in first.json()["detail"]
    assert api(client, "/api/v1/forecast?level=region&views=false", HEAD).json()["coherent"]


def test_jobs_keep_a_result_per_fingerprint_and_retry_only_the_unexpected() -> None:
    from clientbase.errors import ConfigurationError
    from clientbase.web.jobs import Jobs

    jobs, calls = Jobs(), []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert jobs.get("k", "a", lambda: compute(1), wait=True).value == 1
    assert jobs.get("k", "a", lambda: compute(2), wait=True).value == 1 and calls == [1]
    assert jobs.get("k", "b", lambda: compute(3), wait=True).value == 3  # the data moved on

    def refuse() -> int:
        raise ConfigurationError("no sales")

    def crash() -> int:
        raise RuntimeError("boom")

    failed = jobs.get("e", "a", refuse, wait=True)
    assert isinstance(failed.error, ConfigurationError)
    assert jobs.get("e", "a", crash, wait=True) is failed  # a library error is the answer for this data
    broken = jobs.get("x", "a", crash, wait=True)
    assert broken.error is None and jobs.get("x", "a", lambda: 7, wait=True).value == 7  # retried
    jobs.close()
