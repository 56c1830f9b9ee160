"""Every example in the targeting modules' docstrings runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "clientbase.targeting.acquisition_cost",
    "clientbase.targeting.charts",
    "clientbase.targeting.cohorts",
    "clientbase.targeting.contribution",
    "clientbase.targeting.export",
    "clientbase.targeting.features",
    "clientbase.targeting.history",
    "clientbase.targeting.model",
    "clientbase.targeting.profile",
    "clientbase.targeting.service",
    "clientbase.targeting.validation",
    "clientbase.demo.pipeline",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
