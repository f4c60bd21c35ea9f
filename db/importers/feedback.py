"""Customer feedback from survey or review exports: date, account, rating, comment, owner, product.

The rating scale is read from a `scale` column, else from the ratings themselves (all within 1-5: CSAT on
5; anything up to 10: NPS 0-10). Files without an id column get a stable hash of date, account, product,
rating and comment (the n-th identical row gets '#n'), so the same export imported twice adds nothing.
amazon_alexa.tsv imports as is: rating -> rating, date -> date, variation -> product, verified_reviews ->
comment (its 0/1 `feedback` column is not used; it has no account).
"""

import hashlib
import re
import time
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from db import clock
from db.importers.deals import Problems, flag_text
from db.importers.formats import column_map
from db.importers.limits import Budget
from db.importers.options import ImportOptions, Progress
from db.importers.owners import ensure_owners, link_file_owners
from db.importers.reading import read_table
from db.importers.report import MAX_REJECTED_KEPT, ImportRefused, ImportResult
from db.importers.runs import finish_run, start_run
from db.importers.upsert import upsert
from db.importers.values import TEXT_LIMITS, parse_dates
from db.models import Feedback

SOURCE = "import"
COLUMNS = (
    "team_id",
    "source",
    "external_id",
    "received_on",
    "account",
    "member_id",
    "product",
    "rating",
    "scale",
    "comment",
    "language",
    "created_by",
    "created_at",
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_RATING = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*\d+|★+|stars?|分|星)?\s*$", re.IGNORECASE)


def import_feedback(
    engine: Engine,
    data: bytes,
    *,
    filename: str,
    team_id: str,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(kind="feedback", filename=filename, team_id=team_id, file_format="feedback")
    try:
        raw = read_table(data, filename, Budget(options.limits))
        result.encoding = raw.encoding
        cols = column_map("feedback", list(raw.frame.columns), overrides=options.column_map).columns
        from db.importers.deals import _date_order

        order = _date_order(options, {"close_date": cols["date"]}, raw.frame)
    except ImportRefused as refusal:
        result.status, result.refusal = "refused", refusal
        return result
    frame = raw.frame
    problems = Problems(frame, cols)
    flag_text(problems, frame, cols, TEXT_LIMITS)

    def text(field: str) -> pd.Series:
        return frame[cols[field]] if field in cols else pd.Series("", index=frame.index, dtype=object)

    received, bad_date, far_date = parse_dates(text("date"), order)
    problems.flag(bad_date, "date", "bad_date")
    problems.flag(far_date, "date", "date_out_of_range")
    problems.flag(received.isna() & ~bad_date & ~far_date, "date", "missing_date")
    rating_text = text("rating")
    parsed = {r: (float(m[1]) if (m := _RATING.match(r)) else None) for r in pd.unique(rating_text) if r}
    rating = rating_text.map(parsed)
    bad_rating = rating_text.ne("") & (rating.isna() | (rating > 10) | (rating < 0))
    problems.flag(bad_rating, "rating", "bad_rating")
    comment = text("comment")
    problems.flag(rating_text.eq("") & comment.eq(""), "comment", "missing_rating_comment")
    good = ~problems.bad
    if "scale" in cols:
        scale = pd.to_numeric(text("scale"), errors="coerce").fillna(0).astype(int)
        scale = scale.where(scale.isin([5, 10]), 5)
    else:
        top = rating[good].max() if good.any() else 5
        scale = pd.Series(10 if top and top > 5 else 5, index=frame.index)
    account, product, owner = text("account"), text("product"), text("owner")
    if "id" in cols:
        ids = text("id")
        problems.flag(ids.eq(""), "id", "missing_id")
        problems.flag(ids.ne("") & ids.duplicated(), "id", "duplicate_id")
        external = ids.str.slice(0, 128)
    else:
        key = received.fillna("").str.cat([account, product, rating_text, comment], sep="\x1f")
        digest = pd.Series([hashlib.sha256(k.encode()).hexdigest()[:32] for k in key], index=key.index)
        occurrence = key.groupby(key, sort=False).cumcount()
        external = digest.where(occurrence.eq(0), digest + "#" + occurrence.astype(str))
    result.rows, result.mapping = len(frame), cols
    result.rejected, result.problems = int(problems.bad.sum()), problems.listed()
    if result.rejected and not options.skip_bad_rows:
        result.status = "refused"
        return result
    if result.rejected:
        result.status, result.rejected_rows = "partial", problems.rejected_rows(MAX_REJECTED_KEPT)
    keep = ~problems.bad
    out = pd.DataFrame(
        {
            "external_id": external,
            "received_on": received,
            "account": account,
            "product": product,
            "owner": owner,
            "rating": rating.round(),
            "scale": scale,
            "comment": comment,
            "owner_email": text("owner_email").str.lower(),
        }
    )[keep]
    if len(out):
        result.date_range = (
            datetime.fromisoformat(out["received_on"].min()).date(),
            datetime.fromisoformat(out["received_on"].max()).date(),
        )
    with engine.begin() as conn:
        run_id = start_run(conn, result, data, workspace=options.workspace)
        owners = out.loc[out["owner"].ne(""), ["owner", "owner_email"]].drop_duplicates("owner")
        emails = dict(zip(owners["owner"], owners["owner_email"], strict=True))
        ids_by_owner, result.owners_new = ensure_owners(conn, team_id, emails)
        table = Feedback.__table__
        stored = {
            r.external_id: (str(r.received_on), r.account, r.product, r.rating, r.scale, r.comment, r.member_id)
            for r in conn.execute(select(table).where(table.c.team_id == team_id, table.c.source == SOURCE))
        }
        member = out["owner"].map(ids_by_owner).astype(object).where(out["owner"].ne(""), None)
        ratings = [None if np.isnan(r) else int(r) for r in out["rating"].tolist()]
        now = clock.now()
        stamp = now if conn.dialect.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        todo = []
        for ext, rec, acc, prod, rating_value, sc, com, mem in zip(
            out["external_id"],
            out["received_on"],
            out["account"],
            out["product"],
            ratings,
            out["scale"].tolist(),
            out["comment"],
            member,
            strict=True,
        ):
            before = stored.get(ext)
            if before == (rec, acc, prod, rating_value, sc, com, mem):
                result.unchanged += 1
                continue
            if before is None:
                result.inserted += 1
            else:
                result.updated += 1
            todo.append(
                (
                    team_id,
                    SOURCE,
                    ext,
                    rec,
                    acc,
                    mem,
                    prod,
                    rating_value,
                    sc,
                    com,
                    "zh" if _CJK.search(com) else "en",
                    "import",
                    stamp,
                )
            )
        upsert(conn, "feedback", COLUMNS, todo, total=len(todo), hash_column=None, progress=progress)
        link_file_owners(conn, team_id, result, ids_by_owner, emails)
        result.seconds = time.perf_counter() - started
        finish_run(conn, run_id, result)
    return result
