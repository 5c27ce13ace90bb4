"""The SQL and alert condition that enforce each rule's numbers (Databricks SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from databricks_utils.catalog.identifiers import quote_identifier
from databricks_utils.observability.rules import TABLE_PLACEHOLDER, MonteCarloRule

# What a freshness query returns when there is nothing to date (an empty or missing
# table): far above any threshold, so the monitor alerts.
NO_DATA_HOURS = 1_000_000
NO_BASELINE_PERCENT = 1_000_000


@dataclass(frozen=True)
class ResolvedTable:
    """A table's three-part name in one environment.

    Example:
        >>> table = ResolvedTable("dev_analytics", "customer_360_silver", "customers")
        >>> table.mac_id
        'dev_analytics:customer_360_silver.customers'
        >>> table.sql_name
        '`dev_analytics`.`customer_360_silver`.`customers`'
    """

    catalog: str
    schema: str
    table: str

    @property
    def mac_id(self) -> str:
        """Monte Carlo's table id, ``database:schema.table`` (for Databricks: catalog)."""
        return f"{self.catalog}:{self.schema}.{self.table}"

    @property
    def dotted(self) -> str:
        """``catalog.schema.table``."""
        return f"{self.catalog}.{self.schema}.{self.table}"

    @property
    def sql_name(self) -> str:
        """The dotted name with each part quoted, for SQL text."""
        return ".".join(quote_identifier(part) for part in (self.catalog, self.schema, self.table))


@dataclass(frozen=True)
class Check:
    """A query returning one number, and when that number raises an alert."""

    sql: str
    operator: str
    threshold: float
    description: str


def check_for(rule: MonteCarloRule, table: ResolvedTable | None) -> Check:
    """The query and alert condition enforcing ``rule`` on ``table``.

    Example:
        >>> rule = MonteCarloRule("volume", "m", "f", table="orders", layer="gold",
        ...                       min_rows=1000)
        >>> check = check_for(rule, ResolvedTable("prod", "sales_gold", "orders"))
        >>> print(check.sql)
        SELECT COUNT(*) AS row_count
        FROM `prod`.`sales_gold`.`orders`
        >>> check.operator, check.threshold
        ('LT', 1000)
    """
    if rule.rule_type == "custom_sql":
        return _custom_sql(rule, table)
    assert table is not None, "rules other than custom_sql always name a table"
    if rule.rule_type == "freshness":
        return _freshness(rule, table)
    if rule.rule_type == "volume":
        return _volume(rule, table)
    return _field_health(rule, table)


def _freshness(rule: MonteCarloRule, table: ResolvedTable) -> Check:
    hours = rule.threshold_hours
    assert hours is not None
    what = f"{table.dotted}: alert when the newest data is more than {hours:g} hours old"
    if rule.timestamp_column is not None:
        column = quote_identifier(rule.timestamp_column)
        sql = (
            f"SELECT COALESCE(TIMESTAMPDIFF(SECOND, MAX({column}), CURRENT_TIMESTAMP()) / 3600.0,"
            f" {NO_DATA_HOURS}) AS hours_since_newest_row\n"
            f"FROM {table.sql_name}"
        )
    else:
        # One aggregate row even when the table is missing: then it counts as stale.
        sql = (
            "SELECT COALESCE(MAX(TIMESTAMPDIFF(SECOND, last_altered, CURRENT_TIMESTAMP()))"
            f" / 3600.0, {NO_DATA_HOURS}) AS hours_since_last_altered\n"
            f"FROM {quote_identifier(table.catalog)}.information_schema.tables\n"
            f"WHERE table_schema = '{table.schema}' AND table_name = '{table.table}'"
        )
    return Check(sql, "GT", hours, what)


def _volume(rule: MonteCarloRule, table: ResolvedTable) -> Check:
    if rule.threshold_change_percent is not None:
        return _volume_change(rule, table)
    low, high = rule.min_rows, rule.max_rows
    count = f"SELECT COUNT(*) AS row_count\nFROM {table.sql_name}"
    if high is None:
        assert low is not None
        return Check(count, "LT", low, f"{table.dotted}: alert when it has fewer than {low} rows")
    if low is None:
        return Check(count, "GT", high, f"{table.dotted}: alert when it has more than {high} rows")
    sql = (
        f"SELECT CASE WHEN row_count < {low} THEN row_count - {low}"
        f" WHEN row_count > {high} THEN row_count - {high} ELSE 0 END AS rows_outside_range\n"
        f"FROM (SELECT COUNT(*) AS row_count FROM {table.sql_name})"
    )
    what = f"{table.dotted}: alert when the row count is outside {low}..{high}"
    return Check(sql, "NEQ", 0, what)


def _volume_change(rule: MonteCarloRule, table: ResolvedTable) -> Check:
    percent, column = rule.threshold_change_percent, rule.timestamp_column
    assert percent is not None
    assert column is not None
    day = f"CAST({quote_identifier(column)} AS DATE)"
    latest = f"COUNT_IF({day} = DATE_SUB(CURRENT_DATE(), 1))"
    previous = f"COUNT_IF({day} = DATE_SUB(CURRENT_DATE(), 2))"
    # Complete days only (yesterday against the day before), so a partly loaded today
    # never alerts. No rows the day before: 0 % if none yesterday either, else an alert.
    sql = (
        f"SELECT COALESCE(ABS({latest} - {previous}) * 100.0 / NULLIF({previous}, 0),"
        f" CASE WHEN {latest} = 0 THEN 0 ELSE {NO_BASELINE_PERCENT} END)"
        " AS row_count_change_percent\n"
        f"FROM {table.sql_name}\n"
        f"WHERE {day} BETWEEN DATE_SUB(CURRENT_DATE(), 2) AND DATE_SUB(CURRENT_DATE(), 1)"
    )
    what = (
        f"{table.dotted}: alert when yesterday's row count (by {column}) differs from the "
        f"day before by more than {percent:g}%"
    )
    return Check(sql, "GT", percent, what)


def _custom_sql(rule: MonteCarloRule, table: ResolvedTable | None) -> Check:
    assert rule.sql is not None
    assert rule.operator is not None
    assert rule.threshold is not None
    sql = rule.sql
    if table is not None:
        sql = sql.replace(TABLE_PLACEHOLDER, table.sql_name)
    target = f"{table.dotted}: " if table is not None else ""
    what = f"{target}alert when the query result is {rule.operator} {rule.threshold:g}"
    return Check(sql, rule.operator, rule.threshold, what)


def _field_health(rule: MonteCarloRule, table: ResolvedTable) -> Check:
    assert rule.column is not None
    column = quote_identifier(rule.column)
    field = f"{table.dotted}.{rule.column}"
    if rule.max_null_percent is not None:
        sql = (
            f"SELECT COALESCE(COUNT_IF({column} IS NULL) * 100.0 / NULLIF(COUNT(*), 0), 0)"
            f" AS null_percent\nFROM {table.sql_name}"
        )
        limit = rule.max_null_percent
        return Check(sql, "GT", limit, f"{field}: alert when more than {limit:g}% are null")
    if rule.max_duplicate_percent is not None:
        sql = (
            f"SELECT COALESCE((COUNT({column}) - COUNT(DISTINCT {column})) * 100.0"
            f" / NULLIF(COUNT({column}), 0), 0) AS duplicate_percent\nFROM {table.sql_name}"
        )
        limit = rule.max_duplicate_percent
        what = f"{field}: alert when more than {limit:g}% of non-null values are duplicates"
        return Check(sql, "GT", limit, what)
    conditions = []
    if rule.min_value is not None:
        conditions.append(f"{column} < {rule.min_value!r}")
    if rule.max_value is not None:
        conditions.append(f"{column} > {rule.max_value!r}")
    sql = f"SELECT COUNT(*) AS rows_out_of_range\nFROM {table.sql_name}\nWHERE " + " OR ".join(
        conditions
    )
    low = "-inf" if rule.min_value is None else f"{rule.min_value:g}"
    high = "inf" if rule.max_value is None else f"{rule.max_value:g}"
    return Check(sql, "GT", 0, f"{field}: alert when any value is outside {low}..{high}")
