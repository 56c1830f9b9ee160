"""The curl examples of docs/web.md run as they are against a live server, and say what the doc says."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, Base
from tests.web.live import serving

DOC = Path(__file__).parents[2] / "docs" / "web.md"


def curl_examples() -> str:
    text = DOC.read_text(encoding="utf-8").split("## The API with curl", 1)[1]
    # each block's output on lines of its own (a curl answer ends without a newline)
    return "echo\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL))


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_curl_examples_run(base: Base) -> None:
    script = "set -euo pipefail\n" + curl_examples()
    assert script.count("curl ") >= 15
    with serving(base.url) as (url, _app):
        done = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            env={"BASE": url, "PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"},
        )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert '"phone":"+4618123456"' in out and '"version":2' in out
    assert "\n409\n" in out and "\n422\n" in out and '"field":"payment_days"' in out
    documents = [
        json.JSONDecoder().raw_decode(line)[0]  # curl adds no newline: the next output may follow
        for line in out.splitlines()
        if line.startswith('{"counterparty_id":') and '"current"' in line
    ]
    assert documents and documents[0]["current"]["net_revenue"] is not None  # the top customer's P&L
    assert '"status":"accepted"' in out and "changed since you read it" in out  # the Decide examples
    assert '"owner_id":"M04"' in out and '"status":"archived"' in out and '"status":"prospect"' in out
    assert re.search(r"^all \d+(\.\d)?$", out, flags=re.M)  # the quality score of the whole base
    assert '"status":"undone"' in out and '"survives_from":' in out  # a pair, merged and undone
