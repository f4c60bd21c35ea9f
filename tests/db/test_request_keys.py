"""Request ids recorded before the ack, many requests at once (db/request_keys.py): each id is new exactly once,
also when fifty requests arrive together and share one transaction, and a retry is recognised."""

import threading

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from db.models import ProcessedEvent
from db.request_keys import RequestKeys


def test_concurrent_requests_each_recorded_once_and_retries_recognised(engine: Engine) -> None:
    keys = RequestKeys(engine)
    answers: dict[str, list[bool]] = {f"trigger:t{i}": [] for i in range(25)}
    start = threading.Barrier(50)

    def request(key: str) -> None:
        start.wait()
        answers[key].append(keys.first_time("T0001", key))

    threads = [threading.Thread(target=request, args=(key,)) for key in answers for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(sorted(seen) == [False, True] for seen in answers.values()), answers  # one processed, one skipped
    assert keys.first_time("T0001", "trigger:t3") is False  # Slack's retry later: skipped
    assert keys.first_time("T0002", "trigger:t3") is True  # the same id in another workspace is another request
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(ProcessedEvent.__table__)).scalar()  # type: ignore[attr-defined]
    assert stored == 26
