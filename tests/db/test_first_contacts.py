"""People talking to the bot for the first time, many at once (db/members.add_member_now): each becomes exactly one
member, also when the same person's two requests arrive together, and a later request finds them."""

import threading

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.members import add_member_now, ensure_workspace
from db.models import Member
from db.workspaces import WorkspaceDefaults


def test_forty_first_contacts_at_once_make_one_member_each(engine: Engine) -> None:
    with Session(engine) as session:
        ensure_workspace(session, team_id="T0001", defaults=WorkspaceDefaults())
        session.commit()
    people = [f"UNEW{i:02d}" for i in range(20)]
    made: dict[str, list[bool]] = {user: [] for user in people}
    start = threading.Barrier(40)

    def first_request(user: str) -> None:
        start.wait()
        made[user].append(add_member_now(engine, team_id="T0001", user_id=user, role="rep"))

    threads = [threading.Thread(target=first_request, args=(user,)) for user in people for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(sorted(answers) == [False, True] for answers in made.values()), made  # one made it, one found it
    assert add_member_now(engine, team_id="T0001", user_id="UNEW03", role="manager") is False  # known now
    m = Member.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(select(m.slack_user_id, m.display_name, m.role, m.active)
                            .where(m.slack_user_id.like("UNEW%"))).all()
        count = conn.execute(select(func.count()).select_from(Member.__table__)  # type: ignore[attr-defined]
                             .where(m.slack_user_id.like("UNEW%"))).scalar()
    assert count == 20
    assert {r.slack_user_id: (r.display_name, r.role, r.active) for r in rows}["UNEW03"] == ("UNEW03", "rep", True)
