"""Counts of what visitors did (geotour.domain.counting), shared by the SQLite and PostgreSQL storages.

Each machine adds its tallies to the same rows (INSERT … ON CONFLICT DO UPDATE, atomic on both databases), so
the totals are the site's, however many machines served it."""

from collections.abc import Mapping, Sequence

from geotour.storage.sql_versions import SQLParts

#: (day, place, event, source, detail): the key of one count
CountKey = tuple[str, str, str, str, str]
#: the columns a total may be grouped or filtered by
COUNT_COLUMNS = ("day", "place", "event", "source", "detail")


class SQLCounts(SQLParts):
    """Counts are only ever added to, one transaction per flush."""

    def add_counts(self, tallies: Mapping[CountKey, int]) -> None:
        """Add each tally to its day's count, in one transaction."""
        if not tallies:
            return
        with self._transaction() as conn:
            for key, n in sorted(tallies.items()):  # one order on every machine: no deadlock between flushes
                conn.execute(
                    "INSERT INTO counts (day, place, event, source, detail, n) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (day, place, event, source, detail) DO UPDATE SET n = counts.n + excluded.n",
                    (*key, n),
                )

    def count_totals(
        self,
        first_day: str,
        last_day: str,
        by: Sequence[str],
        where: Mapping[str, Sequence[str]] | None = None,
        limit: int | None = None,
    ) -> list[tuple[str | int, ...]]:
        """Return the totals from first_day to last_day (both included) grouped by the columns `by`, biggest
        first (then by the columns): rows of (*by's values, total). `where` keeps only rows whose column holds
        one of the given values."""
        for column in (*by, *(where or {})):
            if column not in COUNT_COLUMNS:
                raise ValueError(f"no count column {column!r}")
        clauses = ["day >= ?", "day <= ?"]
        args: list[object] = [first_day, last_day]
        for column, values in (where or {}).items():
            if not values:
                return []
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            args.extend(values)
        columns = ", ".join(by)
        group = f" GROUP BY {columns}" if by else ""
        order = ", ".join(["total DESC", *(f"{c}{self.TEXT_ORDER}" for c in by)])
        sql = (
            f"SELECT {columns + ', ' if by else ''}SUM(n) AS total FROM counts WHERE {' AND '.join(clauses)}"
            f"{group} ORDER BY {order}"
        )
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._read() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [(*(row[i] for i in range(len(by))), int(row[len(by)] or 0)) for row in rows if row[len(by)]]

    def places_added_by(self, user_id: int) -> list[str]:
        """Return the ids of the places whose creation this user submitted and a moderator approved."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT feature_id FROM submissions WHERE user_id = ? AND action = 'create'"
                " AND status = 'approved'",
                (user_id,),
            ).fetchall()
        return sorted(str(row[0]) for row in rows)  # byte order on both databases
