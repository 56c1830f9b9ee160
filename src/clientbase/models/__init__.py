"""Fitted statistical models (numpy/scipy): BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, lifetime value.

Example:
    >>> from clientbase.models import BGNBDModel, load_model
    >>> model = BGNBDModel().fit([2, 1, 0, 0, 7, 3], [30.4, 1.7, 0, 0, 29.4, 20.0], [38.9] * 6)
    >>> load_model(model.to_json()).params_ == model.params_
    True
"""

from __future__ import annotations

import json

from clientbase.errors import Problem, ValidationError
from clientbase.models.base import ConvergenceError, FittedModel, NotFittedError
from clientbase.models.bgnbd import BGNBDModel
from clientbase.models.gamma_gamma import GammaGammaModel
from clientbase.models.lifetime_value import customer_lifetime_value
from clientbase.models.mbgnbd import MBGNBDModel
from clientbase.models.pareto_nbd import ParetoNBDModel

#: every model by its short name (the ``--model`` choices of ``clientbase clv fit``)
MODELS: dict[str, type[FittedModel]] = {
    m.model_name: m for m in (BGNBDModel, MBGNBDModel, ParetoNBDModel, GammaGammaModel)
}


def load_model(text: str) -> FittedModel:
    """Any model from its :meth:`FittedModel.to_json` document (the ``model`` field says which)."""
    try:
        name = json.loads(text).get("model")
    except (json.JSONDecodeError, AttributeError):
        name = None
    if name not in MODELS:
        raise ValidationError(
            [
                Problem(
                    "model JSON",
                    None,
                    "model",
                    str(name),
                    f"unknown model; expected one of {', '.join(MODELS)}",
                )
            ]
        )
    return MODELS[name].from_json(text)


__all__ = [
    "MODELS",
    "BGNBDModel",
    "ConvergenceError",
    "FittedModel",
    "GammaGammaModel",
    "MBGNBDModel",
    "NotFittedError",
    "ParetoNBDModel",
    "customer_lifetime_value",
    "load_model",
]
