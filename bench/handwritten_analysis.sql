-- The per-customer columns of clientbase's analysis (both periods), hand-written for DuckDB: the bar
-- bench/bench_scale.py holds `analyze()` to. One statement per result: the customers' sales, orders,
-- invoices, payments and credit (one row per customer), and the cost-to-serve per customer and kind.
-- Placeholders: {cs}/{ce} first/last day of the analysed period, {ps}/{pe} of the compared one, {ac}/{ap}
-- their as-of dates. Money is rounded to the cent half away from zero at the end, as the analysis does;
-- amount-days are cents x days.

-- customers
WITH lines AS (
    SELECT counterparty_id,
        round(sum(quantity * list_price) FILTER (WHERE order_date BETWEEN {cs} AND {ce}), 2) AS cur_gross_list,
        round(sum(quantity * net_price) FILTER (WHERE order_date BETWEEN {cs} AND {ce}), 2) AS cur_net_revenue,
        round(sum(quantity * unit_cost) FILTER (WHERE order_date BETWEEN {cs} AND {ce}), 2) AS cur_cogs,
        count(*) FILTER (WHERE order_date BETWEEN {cs} AND {ce}) AS cur_lines,
        round(sum(quantity * list_price) FILTER (WHERE order_date BETWEEN {ps} AND {pe}), 2) AS prev_gross_list,
        round(sum(quantity * net_price) FILTER (WHERE order_date BETWEEN {ps} AND {pe}), 2) AS prev_net_revenue,
        round(sum(quantity * unit_cost) FILTER (WHERE order_date BETWEEN {ps} AND {pe}), 2) AS prev_cogs,
        count(*) FILTER (WHERE order_date BETWEEN {ps} AND {pe}) AS prev_lines
    FROM order_lines
    WHERE order_date BETWEEN {cs} AND {ce} OR order_date BETWEEN {ps} AND {pe}
    GROUP BY 1
), orders_ AS (
    SELECT counterparty_id,
        count(*) FILTER (WHERE order_date BETWEEN {cs} AND {ce}) AS cur_orders,
        count(*) FILTER (WHERE order_date BETWEEN {ps} AND {pe}) AS prev_orders
    FROM orders
    WHERE order_date BETWEEN {cs} AND {ce} OR order_date BETWEEN {ps} AND {pe}
    GROUP BY 1
), invoiced AS (
    SELECT counterparty_id,
        sum(amount) FILTER (WHERE issue_date BETWEEN {cs} AND {ce}) AS cur_invoiced,
        count(*) FILTER (WHERE issue_date BETWEEN {cs} AND {ce}) AS cur_invoices,
        sum(amount * ({ac} - issue_date)) FILTER (WHERE issue_date BETWEEN {cs} AND {ce}) AS cur_open_days,
        sum(amount) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND amount > 0 AND due_date < {ac}) AS cur_due,
        sum(amount * ({ac} - due_date)) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND amount > 0 AND due_date < {ac}) AS cur_due_days,
        sum(amount) FILTER (WHERE issue_date BETWEEN {ps} AND {pe}) AS prev_invoiced,
        count(*) FILTER (WHERE issue_date BETWEEN {ps} AND {pe}) AS prev_invoices,
        sum(amount * ({ap} - issue_date)) FILTER (WHERE issue_date BETWEEN {ps} AND {pe}) AS prev_open_days,
        sum(amount) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND amount > 0 AND due_date < {ap}) AS prev_due,
        sum(amount * ({ap} - due_date)) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND amount > 0 AND due_date < {ap}) AS prev_due_days
    FROM invoices
    WHERE issue_date BETWEEN {cs} AND {ce} OR issue_date BETWEEN {ps} AND {pe}
    GROUP BY 1
), paid AS (
    SELECT i.counterparty_id,
        sum(p.amount) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND paid_date <= {ac}) AS cur_paid,
        sum(p.amount * ({ac} - paid_date)) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND paid_date <= {ac}) AS cur_paid_days,
        sum(p.amount) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND paid_date <= {ac} AND i.amount > 0 AND due_date < {ac}) AS cur_paid_due,
        sum(p.amount * ({ac} - greatest(paid_date, due_date))) FILTER (WHERE issue_date BETWEEN {cs} AND {ce} AND paid_date <= {ac} AND i.amount > 0 AND due_date < {ac}) AS cur_paid_late_days,
        sum(p.amount) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND paid_date <= {ap}) AS prev_paid,
        sum(p.amount * ({ap} - paid_date)) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND paid_date <= {ap}) AS prev_paid_days,
        sum(p.amount) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND paid_date <= {ap} AND i.amount > 0 AND due_date < {ap}) AS prev_paid_due,
        sum(p.amount * ({ap} - greatest(paid_date, due_date))) FILTER (WHERE issue_date BETWEEN {ps} AND {pe} AND paid_date <= {ap} AND i.amount > 0 AND due_date < {ap}) AS prev_paid_late_days
    FROM payments p JOIN invoices i USING (invoice_id)
    WHERE issue_date BETWEEN {cs} AND {ce} OR issue_date BETWEEN {ps} AND {pe}
    GROUP BY 1
)
SELECT counterparty_id, lines.* EXCLUDE (counterparty_id), orders_.* EXCLUDE (counterparty_id),
    coalesce(cur_invoiced, 0) AS cur_invoiced, coalesce(cur_invoices, 0) AS cur_invoices,
    (coalesce(cur_open_days, 0) - coalesce(cur_paid_days, 0)) * 100 AS cur_amount_days,
    coalesce(cur_due, 0) - coalesce(cur_paid_due, 0) AS cur_overdue_amount,
    (coalesce(cur_due_days, 0) - coalesce(cur_paid_late_days, 0)) * 100 AS cur_late_amount_days,
    coalesce(prev_invoiced, 0) AS prev_invoiced, coalesce(prev_invoices, 0) AS prev_invoices,
    (coalesce(prev_open_days, 0) - coalesce(prev_paid_days, 0)) * 100 AS prev_amount_days,
    coalesce(prev_due, 0) - coalesce(prev_paid_due, 0) AS prev_overdue_amount,
    (coalesce(prev_due_days, 0) - coalesce(prev_paid_late_days, 0)) * 100 AS prev_late_amount_days
FROM lines FULL JOIN orders_ USING (counterparty_id) FULL JOIN invoiced USING (counterparty_id)
    FULL JOIN paid USING (counterparty_id)
ORDER BY counterparty_id;

-- cost-to-serve
SELECT a.counterparty_id, a.kind,
    round(sum(a.quantity * d.rate) FILTER (WHERE activity_date BETWEEN {cs} AND {ce}), 2) AS cur_cost,
    round(sum(a.quantity * d.rate) FILTER (WHERE activity_date BETWEEN {ps} AND {pe}), 2) AS prev_cost,
    count(*) FILTER (WHERE activity_date BETWEEN {cs} AND {ce}) AS cur_activities,
    count(*) FILTER (WHERE activity_date BETWEEN {ps} AND {pe}) AS prev_activities
FROM activities a JOIN cost_drivers d
    ON a.kind = d.kind AND a.activity_date >= d.valid_from AND a.activity_date <= coalesce(d.valid_to, DATE '9999-12-31')
WHERE activity_date BETWEEN {cs} AND {ce} OR activity_date BETWEEN {ps} AND {pe}
GROUP BY 1, 2;
