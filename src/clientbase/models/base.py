"""What every fitted model shares: input checks, grouping of identical rows, the optimiser, standard errors,
the summary table and JSON save/load.

A model is fitted by maximum likelihood on the log of its (positive) parameters, so the optimiser never
leaves the valid region. Standard errors come from the numerical Hessian of the total log-likelihood at the
optimum (delta method back to the natural parameters).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import optimize

from clientbase.errors import ClientbaseError, Problem, ValidationError

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike
M = TypeVar("M", bound="FittedModel")

#: an objective on log-parameters: mean negative log-likelihood and, when ``with_gradient``, its gradient
Objective = Callable[[FloatArray, bool], tuple[float, FloatArray | None]]


class ConvergenceError(ClientbaseError, RuntimeError):
    """The likelihood could not be maximised (says which model and what the optimiser reported)."""


class NotFittedError(ClientbaseError, RuntimeError):
    """A prediction was asked of a model that has no parameters yet: call ``fit()`` or ``from_json()``."""


def as_float_array(values: ArrayLike, column: str, *, where: str = "RFM summary") -> FloatArray:
    """``values`` as a 1-D float array, refusing NaN, infinities and negative numbers (names the row)."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.ndim != 1:
        raise ValidationError([Problem(where, None, column, None, "expected one value per customer")])
    bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
    if bad.size:
        row = int(bad[0])
        raise ValidationError(
            [Problem(where, row + 1, column, str(array[row]), "must be a finite number >= 0")],
            total=int(bad.size),
        )
    return array


def check_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, where: str = "RFM summary"
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Checked frequency, recency, T arrays: same length, whole frequencies, ``recency <= T``."""
    x = as_float_array(frequency, "frequency", where=where)
    t_x = as_float_array(recency, "recency", where=where)
    age = as_float_array(T, "T", where=where)
    if not (x.size == t_x.size == age.size):
        raise ValidationError(
            [Problem(where, None, None, None, "frequency, recency and T must have the same length")]
        )
    checks = [
        (x != np.round(x), "frequency", x, "frequency counts repeat purchases: it must be a whole number"),
        (t_x > age * (1 + 1e-12), "recency", t_x, "recency cannot be larger than T (the customer's age)"),
    ]
    for bad_mask, column, values, rule in checks:
        bad = np.flatnonzero(bad_mask)
        if bad.size:
            row = int(bad[0])
            raise ValidationError(
                [Problem(where, row + 1, column, str(values[row]), rule)], total=int(bad.size)
            )
    return x, t_x, age


def dot(a: FloatArray, b: FloatArray) -> float:
    """Inner product of two vectors without BLAS threads (which stall on a busy machine: 50x slower here)."""
    return float(np.einsum("i,i->", a, b))


def group_identical(
    columns: Sequence[FloatArray], weights: FloatArray | None = None
) -> tuple[list[FloatArray], FloatArray]:
    """Identical rows of ``columns`` merged into one, their ``weights`` (default 1 each) added up.

    Example:
        >>> import numpy as np
        >>> cols, w = group_identical([np.array([0.0, 1.0, 0.0]), np.array([5.0, 5.0, 5.0])])
        >>> [c.tolist() for c in cols], w.tolist()
        ([[0.0, 1.0], [5.0, 5.0]], [2.0, 1.0])
    """
    n = columns[0].size
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if n == 0:
        return [c.copy() for c in columns], w.copy()
    order = np.lexsort(tuple(columns[::-1]))
    ordered = [c[order] for c in columns]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for column in ordered:
        change[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(change)
    return [c[starts] for c in ordered], np.add.reduceat(w[order], starts)


def numeric_gradient(
    function: Callable[[FloatArray], float], u: FloatArray, step: float = 1e-6
) -> FloatArray:
    """Central-difference gradient of ``function`` at ``u``."""
    gradient = np.empty_like(u)
    for i in range(u.size):
        e = np.zeros_like(u)
        e[i] = step
        gradient[i] = (function(u + e) - function(u - e)) / (2 * step)
    return gradient


def maximise_likelihood(
    model_name: str,
    objective: Objective,
    start: FloatArray,
    *,
    analytic: bool,
    upper: FloatArray | None = None,
) -> FloatArray:
    """Minimise the mean negative log-likelihood over log-parameters; returns the optimum (log scale).

    BFGS with the analytic gradient when the model has one, else central differences; L-BFGS-B when ``upper``
    bounds are given (log scale, ``inf`` for none). The optimum is accepted when the gradient is below 1e-4
    even if the optimiser stops on "precision loss" (flat top); at an upper bound only a gradient that would
    push the parameter further down counts.
    """

    def value(u: FloatArray) -> float:
        return objective(u, False)[0]

    def value_and_gradient(u: FloatArray) -> tuple[float, FloatArray]:
        if analytic:
            f, g = objective(u, True)
            assert g is not None
            return f, g
        return value(u), numeric_gradient(value, u)

    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if upper is None:
            result = optimize.minimize(
                value_and_gradient,
                start,
                jac=True,
                method="BFGS",
                options={"gtol": 1e-8, "maxiter": 2000},
            )
        else:
            result = optimize.minimize(
                value_and_gradient,
                np.minimum(start, upper),
                jac=True,
                method="L-BFGS-B",
                bounds=[(None, float(ub) if np.isfinite(ub) else None) for ub in upper],
                options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 5000},
            )
        u = np.asarray(result.x, dtype=np.float64)
        f, g = value_and_gradient(u)
    if upper is not None:
        g = np.where((u >= upper - 1e-9) & (g < 0), 0.0, g)
    if not np.isfinite(f) or not np.all(np.isfinite(u)) or float(np.max(np.abs(g))) > 1e-4:
        raise ConvergenceError(
            f"{model_name}: the likelihood could not be maximised ({result.message}; "
            f"gradient {np.max(np.abs(g)):.2g}). Check the data: enough customers with repeat purchases, "
            "recency and T in one time unit."
        )
    return u


def log_standard_errors(
    objective: Objective, u: FloatArray, n_customers: float, *, analytic: bool
) -> FloatArray:
    """Standard errors of the log-parameters ``u`` from the Hessian of the total log-likelihood.

    The Hessian is taken in log-parameters (differences of the gradient, or second differences of the
    likelihood); the delta method maps them to the natural parameters: ``se(theta) = theta * se(log theta)``.
    NaN where the Hessian is not positive definite.
    """
    k = u.size
    hessian = np.empty((k, k))
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if analytic:
            step = 1e-5
            for i in range(k):
                e = np.zeros(k)
                e[i] = step
                g_plus = objective(u + e, True)[1]
                g_minus = objective(u - e, True)[1]
                assert g_plus is not None and g_minus is not None
                hessian[i] = (g_plus - g_minus) / (2 * step)
        else:
            step = 1e-4

            def f(v: FloatArray) -> float:
                return objective(v, False)[0]

            f0 = f(u)
            for i in range(k):
                for j in range(i, k):
                    ei = np.zeros(k)
                    ej = np.zeros(k)
                    ei[i] = step
                    ej[j] = step
                    if i == j:
                        hessian[i, i] = (f(u + ei) - 2 * f0 + f(u - ei)) / step**2
                    else:
                        hessian[i, j] = hessian[j, i] = (
                            f(u + ei + ej) - f(u + ei - ej) - f(u - ei + ej) + f(u - ei - ej)
                        ) / (4 * step**2)
    hessian = (hessian + hessian.T) / 2 * n_customers
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    variances = np.diag(covariance)
    return np.asarray(np.where(variances > 0, np.sqrt(np.abs(variances)), np.nan), dtype=np.float64)


class FittedModel:
    """Base of the models: fitted attributes end in ``_``; ``fit()`` returns ``self``."""

    #: short name used in JSON and on the command line
    model_name: ClassVar[str] = ""
    #: parameter names, in the order of the likelihood
    param_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] = {}
        #: parameters the fit left at their upper bound (:data:`MAX_BETA_SHAPE`): the likelihood kept rising
        #: towards infinity, and the model is at (numerically) its limit there
        self.at_bound_: tuple[str, ...] = ()
        self.std_errors_: dict[str, float] = {}
        self.log_likelihood_: float = math.nan
        self.n_customers_: int = 0

    # -- fitting helpers --------------------------------------------------------------------------------
    def _set_fit(
        self, params: FloatArray, std_errors: FloatArray, log_likelihood: float, n_customers: float
    ) -> None:
        self.params_ = {name: float(v) for name, v in zip(self.param_names, params, strict=True)}
        self.std_errors_ = {name: float(v) for name, v in zip(self.param_names, std_errors, strict=True)}
        self.log_likelihood_ = float(log_likelihood)
        self.n_customers_ = round(float(n_customers))

    def _params(self) -> tuple[float, ...]:
        if not self.params_:
            raise NotFittedError(
                f"the {self.model_name} model has no parameters yet: call fit() or from_json() first"
            )
        return tuple(self.params_[name] for name in self.param_names)

    # -- reporting --------------------------------------------------------------------------------------
    @property
    def summary(self) -> Any:
        """A small table (pandas DataFrame): ``name``, ``estimate``, ``std_error`` per parameter."""
        import pandas as pd

        self._params()
        return pd.DataFrame(
            {
                "name": list(self.param_names),
                "estimate": [self.params_[n] for n in self.param_names],
                "std_error": [self.std_errors_.get(n, math.nan) for n in self.param_names],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data: ``model``, ``params``, ``std_errors``, ``log_likelihood``, ``n_customers``."""
        self._params()

        def clean(value: float) -> float | None:
            return None if math.isnan(value) else value

        document: dict[str, Any] = {
            "model": self.model_name,
            "params": dict(self.params_),
            "std_errors": {k: clean(v) for k, v in self.std_errors_.items()},
            "log_likelihood": clean(self.log_likelihood_),
            "n_customers": self.n_customers_,
        }
        if self.at_bound_:
            document["at_bound"] = list(self.at_bound_)
        return document

    def to_json(self) -> str:
        """The fitted model as a JSON document; :meth:`from_json` reads it back."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls: type[M], document: Mapping[str, Any]) -> M:
        """A model with the parameters of ``document`` (as written by :meth:`to_dict`)."""
        if document.get("model") != cls.model_name:
            raise ValidationError(
                [
                    Problem(
                        "model JSON",
                        None,
                        "model",
                        str(document.get("model")),
                        f"this is not a {cls.model_name} model",
                    )
                ]
            )
        params = document.get("params") or {}
        missing = [n for n in cls.param_names if not isinstance(params.get(n), int | float)]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "model JSON", None, f"params.{missing[0]}", None, "parameter missing or not a number"
                    )
                ]
            )
        model = cls()
        model.params_ = {n: float(params[n]) for n in cls.param_names}
        errors = document.get("std_errors") or {}
        model.std_errors_ = {
            n: math.nan if errors.get(n) is None else float(errors[n]) for n in cls.param_names
        }
        ll = document.get("log_likelihood")
        model.log_likelihood_ = math.nan if ll is None else float(ll)
        model.n_customers_ = int(document.get("n_customers") or 0)
        model.at_bound_ = tuple(str(n) for n in document.get("at_bound") or () if n in cls.param_names)
        return model

    @classmethod
    def from_json(cls: type[M], text: str) -> M:
        """A model read from :meth:`to_json` output."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                [Problem("model JSON", exc.lineno, None, None, f"not valid JSON: {exc.msg}")]
            ) from None
        return cls.from_dict(document)

    def __repr__(self) -> str:
        if not self.params_:
            return f"<{type(self).__name__} (not fitted)>"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        bound = f", at the upper bound: {', '.join(self.at_bound_)}" if self.at_bound_ else ""
        return f"<{type(self).__name__} {shown}, log-likelihood {self.log_likelihood_:.2f}{bound}>"


@dataclass(frozen=True)
class RfmData:
    """Grouped ``(x, t_x, T)`` rows with their weights, and each column's distinct values.

    ``x_index`` maps a row to its value in ``x_values`` (so ``x_values[x_index] == x``), the same for ``t_x``
    and ``T``. The likelihoods evaluate the expensive special functions (log-gamma, digamma, logarithms) once
    per distinct value and gather them: a million customers have a few dozen distinct frequencies and a few
    hundred distinct ages.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weight: FloatArray
    x_values: FloatArray
    x_index: npt.NDArray[np.intp]
    t_x_values: FloatArray
    t_x_index: npt.NDArray[np.intp]
    T_values: FloatArray
    T_index: npt.NDArray[np.intp]
    #: total weight per distinct x, per distinct T, and of weight * x per distinct T
    weight_by_x: FloatArray
    weight_by_T: FloatArray
    weighted_x_by_T: FloatArray

    @classmethod
    def build(
        cls, x: FloatArray, t_x: FloatArray, T: FloatArray, weight: FloatArray | None = None
    ) -> RfmData:
        w = np.ones(x.size) if weight is None else weight
        xv, xi = np.unique(x, return_inverse=True)
        tv, ti = np.unique(t_x, return_inverse=True)
        av, ai = np.unique(T, return_inverse=True)
        xi, ti, ai = xi.ravel(), ti.ravel(), ai.ravel()
        return cls(
            x,
            t_x,
            T,
            w,
            xv,
            xi,
            tv,
            ti,
            av,
            ai,
            np.asarray(np.bincount(xi, w, xv.size), dtype=np.float64),
            np.asarray(np.bincount(ai, w, av.size), dtype=np.float64),
            np.asarray(np.bincount(ai, w * x, av.size), dtype=np.float64),
        )

    def scaled(self, factor: float) -> RfmData:
        """The same customers with time multiplied by ``factor``."""
        return replace(
            self,
            t_x=self.t_x * factor,
            T=self.T * factor,
            t_x_values=self.t_x_values * factor,
            T_values=self.T_values * factor,
        )


#: weighted total log-likelihood of an RFM model at natural parameters ``theta`` and, when asked, its gradient
#: with respect to ``theta``
RfmLogLikelihood = Callable[[FloatArray, RfmData, bool], tuple[float, FloatArray | None]]

#: upper bound of the Beta shape parameters a, b of BG/NBD and MBG/NBD. On short histories with little drop-out
#: the likelihood keeps rising, ever more slowly, as a, b -> infinity with p = a / (a + b) fixed (everyone has
#: the same drop-out probability p); the fit stops at this bound, where the model is its limit to ~1e-6
#: (at 1e6 the predictions would still be 1e-4 from it)
MAX_BETA_SHAPE = 1e8


def fit_rfm_model(
    model: FittedModel,
    log_likelihood: RfmLogLikelihood,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None,
    *,
    time_params: Sequence[int],
    analytic: bool,
    bounded_params: Sequence[int] = (),
) -> None:
    """Fit a model of ``(frequency, recency, T)`` by maximum likelihood and store its fitted attributes.

    Identical rows are merged first (their weights added), so a million customers cost what their distinct
    rows cost. Time is rescaled so the oldest customer has T = 10 while optimising (as lifetimes does);
    ``time_params`` are the indexes of the parameters measured in time units, mapped back afterwards. The
    log-likelihood reported is that of the unscaled data.

    ``bounded_params`` (indexes, not time parameters) may not exceed :data:`MAX_BETA_SHAPE`: when the free fit
    runs past it (or fails), the likelihood is maximised again with that upper bound (L-BFGS-B); the
    parameters left at the bound are named in ``model.at_bound_`` and get no standard error (the likelihood
    is flat there); the others' come from the Hessian with the bounded ones held fixed.
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    w_in = None if weights is None else as_float_array(weights, "weights")
    if w_in is not None and w_in.size != x.size:
        raise ValidationError([Problem("RFM summary", None, "weights", None, "one weight per customer")])
    (x, t_x, age), w = group_identical([x, t_x, age], w_in)
    keep = w > 0
    x, t_x, age, w = x[keep], t_x[keep], age[keep], w[keep]
    if x.size == 0 or not np.any(x > 0):
        raise ValidationError(
            [
                Problem(
                    "RFM summary",
                    None,
                    "frequency",
                    None,
                    "no customer with a repeat purchase: nothing to fit",
                )
            ]
        )
    data = RfmData.build(x, t_x, age, w)
    scale = 10.0 / float(age.max()) if age.max() > 0 else 1.0
    scaled = data.scaled(scale)
    n = float(w.sum())

    def objective(u: FloatArray, with_gradient: bool) -> tuple[float, FloatArray | None]:
        theta = np.exp(u)
        total, grad = log_likelihood(theta, scaled, with_gradient)
        f = -total / n
        if not np.isfinite(f):
            return math.inf, (np.zeros_like(u) if with_gradient else None)
        if not with_gradient or grad is None:
            return f, None
        return f, -grad * theta / n

    k = len(model.param_names)
    upper = np.full(k, np.inf)
    upper[list(bounded_params)] = math.log(MAX_BETA_SHAPE)
    try:
        u = maximise_likelihood(model.model_name, objective, np.zeros(k), analytic=analytic)
    except ConvergenceError:
        if not bounded_params:
            raise
        u = np.full(k, np.inf)  # the free fit failed: try again within the bounds
    at_bound = np.zeros(k, dtype=bool)
    if np.any(u > upper):
        start = np.where(np.isfinite(u), u, 0.0)
        u = maximise_likelihood(model.model_name, objective, start, analytic=analytic, upper=upper)
        at_bound = u >= upper - 1e-6
    if at_bound.any():
        free = ~at_bound

        def free_objective(v: FloatArray, with_gradient: bool) -> tuple[float, FloatArray | None]:
            full = u.copy()
            full[free] = v
            f, g = objective(full, with_gradient)
            return f, None if g is None else g[free]

        se_log = np.full(k, np.nan)
        se_log[free] = log_standard_errors(free_objective, u[free], n, analytic=analytic)
    else:
        se_log = log_standard_errors(objective, u, n, analytic=analytic)
    u_natural = u.copy()
    for i in time_params:
        u_natural[i] -= math.log(scale)
    theta = np.exp(u_natural)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        total = log_likelihood(theta, data, False)[0]
    model._set_fit(theta, theta * se_log, total, n)
    model.at_bound_ = tuple(name for name, hit in zip(model.param_names, at_bound, strict=True) if hit)


class RfmModel(FittedModel):
    """A model of ``(frequency, recency, T)``: each subclass names its likelihoods and how to fit them."""

    #: the weighted total log-likelihood (and gradient) the optimiser maximises
    total_log_likelihood: ClassVar[staticmethod[[FloatArray, RfmData, bool], tuple[float, FloatArray | None]]]
    #: the log-likelihood of each customer
    customer_log_likelihood: ClassVar[
        staticmethod[[FloatArray, FloatArray, FloatArray, FloatArray], FloatArray]
    ]
    #: indexes of the parameters measured in time units
    time_params: ClassVar[tuple[int, ...]] = (1,)
    #: whether ``total_log_likelihood`` returns an analytic gradient
    analytic_gradient: ClassVar[bool] = True
    #: indexes of the parameters bounded by :data:`MAX_BETA_SHAPE`
    bounded_params: ClassVar[tuple[int, ...]] = ()

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Maximum-likelihood fit; ``weights`` count how many customers each row stands for.

        Args:
            frequency: repeat purchases per customer (whole numbers).
            recency: time of the last purchase since the first.
            T: time since the first purchase to the end of the calibration period.
            weights: optional number of customers per row (identical rows are grouped anyway).
        """
        fit_rfm_model(
            self,
            type(self).total_log_likelihood,
            frequency,
            recency,
            T,
            weights,
            time_params=self.time_params,
            analytic=self.analytic_gradient,
            bounded_params=self.bounded_params,
        )
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Per-customer log-likelihood at the fitted parameters."""
        x, t_x, age = check_rfm(frequency, recency, T)
        return type(self).customer_log_likelihood(np.array(self._params()), x, t_x, age)
