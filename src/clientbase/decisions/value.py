"""The customer-value table: lifetime value, churn risk, segments and payment discipline per customer.

The one place this part executes. From a database (a :class:`~clientbase.store.Store`, an Ibis backend or
:class:`~clientbase.analytics.tables.Tables`):

1. the RFM summary in the engine from ``order_lines`` (:func:`~clientbase.analytics.rfm.rfm_summary`): a purchase
   is a distinct order date of the customer with at least one line of positive quantity and value, so returns
   and credit notes (negative quantity) never count as purchases; its value is the net revenue of those lines;
2. the per-customer net-profit P&L of the 12 months to ``as_of`` (:func:`~clientbase.analytics.run.analyze`):
   net revenue and net contribution for ABC and for the margin rate of each customer;
3. XYZ (:func:`~clientbase.analytics.segments.xyz_classes`) and payment discipline
   (:func:`~clientbase.analytics.payment.payment_discipline`) in the engine;
4. BG/NBD (or MBG/NBD) and Gamma-Gamma fitted on the per-customer summary (numpy/scipy, identical rows grouped);
   P(alive), expected purchases in the next 90 days, and CLV over the horizon on the *net contribution* per
   purchase: Gamma-Gamma expected spend x the customer's net contribution / net revenue in the P&L window
   (bounded to [-1, 1]; the portfolio's rate where the customer has no positive net revenue there);
5. RFM scores, named groups and ABC on the per-customer table (pure Ibis on an in-process DuckDB).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from clientbase.analytics import segments as seg
from clientbase.analytics.money import from_cents
from clientbase.analytics.payment import PAYMENT_COLUMNS, payment_discipline
from clientbase.analytics.period import Period
from clientbase.analytics.rfm import TIME_UNIT_DAYS, rfm_summary
from clientbase.analytics.run import analyze
from clientbase.analytics.standing import CUSTOMER_DEFINITION
from clientbase.analytics.tables import Tables
from clientbase.errors import ClientbaseError, ConfigurationError, StoreError
from clientbase.models import (
    BGNBDModel,
    ConvergenceError,
    GammaGammaModel,
    MBGNBDModel,
    customer_lifetime_value,
)
from clientbase.store.connection import consistent_read

PURCHASE_MODELS: dict[str, type[BGNBDModel] | type[MBGNBDModel]] = {
    "bgnbd": BGNBDModel,
    "mbgnbd": MBGNBDModel,
}
#: the columns of :attr:`CustomerValue.customers`, in order
VALUE_COLUMNS = (
    "counterparty_id",
    "name",
    "in_period",
    "frequency",
    "recency",
    "T",
    "purchases",
    "days_since_last",
    "p_alive",
    "churn_risk",
    "expected_purchases_90d",
    "expected_spend",
    "margin_rate",
    "clv",
    "churn_rank",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "net_revenue",
    "net_contribution",
    "abc_revenue",
    "abc_profit",
    "loss_making",
    "demand_cv",
    "xyz",
    *PAYMENT_COLUMNS[1:],
)


@dataclass(frozen=True)
class ValueOptions:
    """What :func:`customer_value` computes, with its defaults (see ``docs/value.md``)."""

    horizon_months: int = 12
    #: discount rate per month for the CLV (1 % a month is about 12.7 % a year)
    monthly_discount_rate: float = 0.01
    churn_days: int = 90
    time_unit: str = "week"
    model: str = "bgnbd"
    abc: seg.AbcThresholds = field(default_factory=seg.AbcThresholds)
    xyz: seg.XyzThresholds = field(default_factory=seg.XyzThresholds)
    xyz_months: int = 12
    dso_days: int = 90

    def __post_init__(self) -> None:
        if self.horizon_months < 1:
            raise ConfigurationError(f"The CLV horizon must be at least 1 month; got {self.horizon_months}.")
        if not -1 < self.monthly_discount_rate < 1:
            raise ConfigurationError(
                f"The monthly discount rate is a fraction such as 0.01; got {self.monthly_discount_rate}."
            )
        if self.churn_days < 1:
            raise ConfigurationError(f"churn_days must be at least 1; got {self.churn_days}.")
        if self.time_unit not in TIME_UNIT_DAYS:
            raise ConfigurationError(
                f"Unknown time unit {self.time_unit!r}; use one of {', '.join(TIME_UNIT_DAYS)}."
            )
        if self.model not in PURCHASE_MODELS:
            raise ConfigurationError(
                f"Unknown purchase model {self.model!r}; use one of {', '.join(PURCHASE_MODELS)}."
            )


@dataclass(frozen=True)
class CustomerValue:
    """The customer-value table of one database as of one date, and the models behind it."""

    as_of: dt.date
    #: the P&L window net revenue, net contribution and the margin rates come from
    period: Period
    options: ValueOptions
    #: one row per customer with a purchase by ``as_of`` (:data:`VALUE_COLUMNS`), highest CLV first;
    #: ``in_period`` marks the customers in the P&L window (an order line in it)
    customers: pd.DataFrame
    purchase_model: BGNBDModel | MBGNBDModel
    spend_model: GammaGammaModel
    portfolio_margin_rate: float

    @property
    def customers_in_period(self) -> int:
        """The customers in the P&L window (an order line in it): the count ``analyze`` and ``summary``
        give for the same 12 months."""
        return int(self.customers["in_period"].sum())

    def segment_counts(self) -> dict[str, int]:
        """Customers per named RFM group, every group listed."""
        counts = self.customers["rfm_segment"].value_counts()
        return {name: int(counts.get(name, 0)) for name in seg.SEGMENTS}

    def abc_xyz(self, by: str = "abc_revenue") -> dict[str, int]:
        """The nine-box ABC-XYZ matrix (ABC by ``by``: ``abc_revenue`` or ``abc_profit``) as cell counts."""
        cells = (self.customers[by] + self.customers["xyz"]).value_counts()
        return seg.nine_box(cells.to_dict())

    def a_revenue_c_profit(self) -> pd.DataFrame:
        """Customers A by net revenue but C or loss-making by net contribution, largest revenue first."""
        c = self.customers
        mask = (c["abc_revenue"] == "A") & ((c["abc_profit"] == "C") | c["loss_making"])
        return c[mask].sort_values(["net_revenue", "counterparty_id"], ascending=[False, True])

    def churn_ranking(self) -> pd.DataFrame:
        """Customers by churn risk, highest first (see ``churn_rank``)."""
        return self.customers.sort_values("churn_rank")

    def document(self) -> dict[str, Any]:
        """The table as one JSON-ready document (Decimal money, ISO dates)."""
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period.as_dict(),
            "customers_in_period": self.customers_in_period,
            "customer_definition": CUSTOMER_DEFINITION,
            "time_unit": self.options.time_unit,
            "horizon_months": self.options.horizon_months,
            "monthly_discount_rate": self.options.monthly_discount_rate,
            "models": {
                "purchases": self.purchase_model.to_dict(),
                "spend": self.spend_model.to_dict(),
                "portfolio_margin_rate": self.portfolio_margin_rate,
            },
            "customers": _records(self.customers),
            "segments": self.segment_counts(),
            "abc_xyz": self.abc_xyz(),
            "abc_xyz_profit": self.abc_xyz("abc_profit"),
            "a_revenue_c_profit": _records(self.a_revenue_c_profit()),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, float) and not np.isfinite(value):
                value = None
            elif isinstance(value, np.generic):
                value = value.item()
            elif value is pd.NA:
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


def _run(step: str, expr: ir.Table, con: Any = None) -> pa.Table:
    try:
        return con.to_pyarrow(expr) if con is not None else expr.to_pyarrow()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The customer-value step {step!r} failed in the database engine: {exc}") from exc


def _latest_order_date(tables: Tables) -> dt.date:
    value = _run("latest order date", tables.order_lines.aggregate(d=tables.order_lines.order_date.max()))
    latest = value["d"][0].as_py()
    if latest is None:
        raise ConfigurationError("The database has no order lines, so there is no customer value to compute.")
    return latest if not isinstance(latest, dt.datetime) else latest.date()


def purchases(order_lines: ir.Table) -> ir.Table:
    """The order lines that make purchases (positive quantity and value), with their ``amount`` (net revenue).

    Example:
        >>> import ibis
        >>> lines = ibis.memtable({"quantity": [2, -1, 1], "net_price": [5.0, 5.0, 0.0]})
        >>> purchases(lines).execute()["amount"].tolist()
        [10.0]
    """
    lines = order_lines.filter((order_lines.quantity > 0) & (order_lines.net_price > 0))
    return lines.mutate(amount=lines.quantity * lines.net_price)


@consistent_read  # every query of it reads one committed state of the store
def customer_value(
    source: Any, *, as_of: dt.date | None = None, options: ValueOptions | None = None
) -> CustomerValue:
    """Compute the customer-value table (see the module docstring for the steps and ``docs/value.md``).

    Args:
        source: a :class:`~clientbase.store.Store`, an Ibis backend or :class:`Tables`.
        as_of: the calibration end: purchases up to and including it count (default: the latest order date).
        options: horizon, discount rate, thresholds (:class:`ValueOptions`).

    Raises:
        ConfigurationError: no order lines, or an option that cannot work.
        ValidationError: too little history to fit the models (e.g. no customer with a repeat purchase).
        ConvergenceError: the models cannot be fitted, or their predictions are not finite (an unusable fit,
            e.g. a spend model whose expected spend is not finite). A BG/NBD or MBG/NBD fit whose a, b run off
            to infinity (short histories with little drop-out) is not one: it stops at the bound and predicts
            with the model's limit (``purchase_model.at_bound_``).

    Example:
        >>> from clientbase.demo.build import load_demo
        >>> from clientbase.demo.generate import generate
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     _ = load_demo(store, generate(customers=150, years=2, seed=2))
        ...     value = customer_value(store)
        >>> bool(value.customers["clv"].is_monotonic_decreasing), sum(value.abc_xyz().values()) == len(value.customers)
        (True, True)
    """
    opts = options or ValueOptions()
    tables = Tables.of(source)
    end = as_of or _latest_order_date(tables)
    unit_days = TIME_UNIT_DAYS[opts.time_unit]

    bought = purchases(tables.order_lines)
    summary = rfm_summary(
        bought,
        calibration_end=end,
        date_col="order_date",
        amount_col="amount",
        time_unit=opts.time_unit,
        where="order_lines",
    )
    rfm = _run("RFM summary", summary).to_pandas().set_index("counterparty_id").sort_index()
    if rfm.empty:
        raise ConfigurationError(f"No purchase on or before {end}: there is no customer value to compute.")

    analysis = analyze(tables, end=end, as_of=end)
    # the P&L of every counterparty in the window (a customer without sales there has its costs in it)
    pnl = analysis.pnl.frame.reindex(rfm.index, fill_value=0)
    xyz = _run(
        "XYZ",
        seg.xyz_classes(
            tables.order_lines,
            amount=tables.order_lines.quantity * tables.order_lines.net_price,
            as_of=end,
            months=opts.xyz_months,
            thresholds=opts.xyz,
        ),
    )
    pay = _run(
        "payment discipline",
        payment_discipline(
            tables.invoices,
            tables.payments,
            tables.counterparties,
            as_of=end,
            start=analysis.periods.current.start,
            dso_days=opts.dso_days,
        ),
    )

    frame, purchase_model, spend_model, portfolio_rate = _model_columns(rfm, pnl, opts)
    frame["net_revenue_cents"] = pnl["net_revenue"].to_numpy()
    frame["net_contribution_cents"] = pnl["net_contribution"].to_numpy()
    frame["days_since_last"] = np.rint((rfm["T"] - rfm["recency"]).to_numpy() * unit_days).astype(np.int64)
    frame["purchases"] = rfm["frequency"].to_numpy() + 1
    frame = frame.reset_index()

    scored = _segments(frame, opts).sort_values("counterparty_id", ignore_index=True)
    scored = scored.merge(xyz.to_pandas(), on="counterparty_id", how="left")
    scored["xyz"] = scored["xyz"].fillna("Z")
    payment_frame = pay.to_pandas()
    scored = scored.merge(payment_frame, on="counterparty_id", how="left")
    for column in ("payment_days", "invoices_settled", "invoices_due", "invoices_late"):
        scored[column] = scored[column].astype("Int64")
    scored["name"] = [analysis.name(str(c)) for c in scored["counterparty_id"]]
    scored["in_period"] = scored["counterparty_id"].isin(analysis.customers.frame.index)
    scored["net_revenue"] = [from_cents(v) for v in scored["net_revenue_cents"]]
    scored["net_contribution"] = [from_cents(v) for v in scored["net_contribution_cents"]]
    scored["clv"] = [Decimal(f"{v:.2f}") for v in scored["clv_float"]]
    # churn: highest risk first; among equal risk, fewer expected purchases first, then by id
    order = np.lexsort((scored["expected_purchases_90d"].to_numpy(), -scored["churn_risk"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    scored["churn_rank"] = rank
    scored = scored.sort_values(["clv_float", "counterparty_id"], ascending=[False, True])
    customers = scored[list(VALUE_COLUMNS)].reset_index(drop=True)
    return CustomerValue(
        as_of=end,
        period=analysis.periods.current,
        options=opts,
        customers=customers,
        purchase_model=purchase_model,
        spend_model=spend_model,
        portfolio_margin_rate=portfolio_rate,
    )


def _model_columns(
    rfm: pd.DataFrame, pnl: pd.DataFrame, opts: ValueOptions
) -> tuple[pd.DataFrame, BGNBDModel | MBGNBDModel, GammaGammaModel, float]:
    """Fit the models on the summary and add p_alive, churn_risk, expected purchases and spend, margin, CLV."""
    x = rfm["frequency"].to_numpy(dtype=np.float64)
    t_x = rfm["recency"].to_numpy(dtype=np.float64)
    age = rfm["T"].to_numpy(dtype=np.float64)
    m = rfm["monetary_value"].to_numpy(dtype=np.float64)
    purchase_model = PURCHASE_MODELS[opts.model]().fit(x, t_x, age)
    spend_model = GammaGammaModel().fit(x, m)

    revenue = pnl["net_revenue"].to_numpy(dtype=np.float64)
    contribution = pnl["net_contribution"].to_numpy(dtype=np.float64)
    positive = revenue > 0
    total_revenue = float(revenue[positive].sum())
    portfolio = float(contribution[positive].sum()) / total_revenue if total_revenue > 0 else 0.0
    portfolio = float(np.clip(portfolio, -1.0, 1.0))
    rate = np.where(positive, contribution / np.where(positive, revenue, 1.0), portfolio)
    rate = np.clip(rate, -1.0, 1.0)

    # the purchase models are finite for any parameters (a, b -> infinity included); an unusable fit (e.g. a
    # spend model without a finite mean) still gives NaN or inf: checked below and reported as one clear error
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        p_alive = purchase_model.probability_alive(x, t_x, age)
        horizon = opts.churn_days / TIME_UNIT_DAYS[opts.time_unit]
        expected = purchase_model.conditional_expected_purchases(horizon, x, t_x, age)
        spend = spend_model.conditional_expected_average_spend(x, m)
        clv = customer_lifetime_value(
            purchase_model,
            x,
            t_x,
            age,
            spend * rate,
            months=opts.horizon_months,
            monthly_discount_rate=opts.monthly_discount_rate,
            time_unit=opts.time_unit,
        )
    out = pd.DataFrame(
        {
            "frequency": rfm["frequency"].to_numpy(),
            "recency": np.round(t_x, 4),
            "T": np.round(age, 4),
            "p_alive": np.round(p_alive, 6),
            "churn_risk": np.round(1 - p_alive, 6),
            "expected_purchases_90d": np.round(expected, 6),
            "expected_spend": np.round(spend, 2),
            "margin_rate": np.round(rate, 4),
            "clv_float": np.round(clv, 2),
        },
        index=rfm.index,
    )
    bad = ~np.isfinite(p_alive) | ~np.isfinite(expected) | ~np.isfinite(spend) | ~np.isfinite(clv)
    if bad.any():
        params = ", ".join(
            f"{k}={v:.4g}" for model in (purchase_model, spend_model) for k, v in model.params_.items()
        )
        raise ConvergenceError(
            f"The {opts.model} and Gamma-Gamma fits on {len(x):,} customers are unusable ({params}): their "
            f"predictions are not finite for {int(bad.sum()):,} customers. Give a longer history or more "
            "customers."
        )
    return out, purchase_model, spend_model, portfolio


def _segments(frame: pd.DataFrame, opts: ValueOptions) -> pd.DataFrame:
    """RFM scores and groups, ABC by net revenue and by net contribution, on an in-process DuckDB."""
    con = ibis.duckdb.connect()
    try:
        t = ibis.memtable(frame.assign(monetary=frame["net_revenue_cents"]))
        t = seg.rfm_scores(t, days_since_last_col="days_since_last", frequency_col="purchases")
        t = seg.abc_classes(t, value_col="net_revenue_cents", prefix="abc_revenue", thresholds=opts.abc)
        t = seg.abc_classes(t, value_col="net_contribution_cents", prefix="abc_profit", thresholds=opts.abc)
        t = t.mutate(loss_making=t.abc_profit_loss_making)
        return con.to_pyarrow(t).to_pandas()
    finally:
        con.disconnect()
