"""Workspaces and members: find or create the people salesbot talks to, and link CRM owners to them."""


from sqlmodel import Session, select

from db.models import Member, Workspace
from db.workspaces import WorkspaceDefaults, create_workspace


def ensure_workspace(session: Session, *, team_id: str, defaults: WorkspaceDefaults) -> Workspace:
    """The workspace row for `team_id`, created with the settings' defaults on first contact."""
    create_workspace(session.connection(), team_id, defaults)
    ws = session.get(Workspace, team_id)
    assert ws is not None
    return ws


def member_by_slack_id(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.exec(
        select(Member).where(Member.team_id == team_id, Member.slack_user_id == user_id)
    ).first()


def member_by_crm_name(session: Session, team_id: str, crm_name: str) -> Member | None:
    return session.exec(select(Member).where(Member.team_id == team_id, Member.crm_name == crm_name)).first()


def ensure_member(session: Session, *, team_id: str, user_id: str, role: str = "rep",
                  display_name: str = "", timezone: str | None = None, locale: str | None = None,
                  email: str | None = None) -> tuple[Member, bool]:
    """The member for a Slack user, created if new. Returns (member, created)."""
    member = member_by_slack_id(session, team_id, user_id)
    if member is not None:
        return member, False
    if email:  # a CRM owner imported earlier with the same e-mail becomes this user
        member = session.exec(
            select(Member).where(Member.team_id == team_id, Member.email == email, Member.slack_user_id.is_(None))
        ).first()
    if member is None:
        member = Member(team_id=team_id, slack_user_id=user_id, role=role)
        session.add(member)
    member.slack_user_id = user_id
    member.display_name = member.display_name or display_name or user_id
    member.timezone = timezone or member.timezone
    member.locale = locale or member.locale
    member.email = member.email or email
    if role == "manager":
        member.role = "manager"
    session.flush()
    return member, True


def link_crm_owner(session: Session, *, team_id: str, crm_name: str, user_id: str) -> Member:
    """Make the CRM owner `crm_name` and the Slack user one member (merging the two rows if both exist)."""
    owner = member_by_crm_name(session, team_id, crm_name)
    user = member_by_slack_id(session, team_id, user_id)
    if owner is None and user is None:
        user = Member(team_id=team_id, slack_user_id=user_id, crm_name=crm_name, display_name=crm_name)
        session.add(user)
    elif owner is None:
        assert user is not None
        user.crm_name = crm_name
    elif user is None or user.id == owner.id:
        owner.slack_user_id = user_id
        user = owner
    else:
        # Both exist: keep the Slack user's row, move the owner's deals and feedback onto it.
        from db.models import Deal, Feedback, Target

        for model in (Deal, Feedback):
            for row in session.exec(select(model).where(model.team_id == team_id, model.owner_id == owner.id)
                                    if model is Deal else
                                    select(model).where(model.team_id == team_id, model.member_id == owner.id)):
                if model is Deal:
                    row.owner_id = user.id
                else:
                    row.member_id = user.id
        for target in session.exec(select(Target).where(Target.team_id == team_id, Target.member_id == owner.id)):
            target.member_id = user.id
        owner.crm_name = None
        session.flush()
        user.crm_name = crm_name
        user.email = user.email or owner.email
        owner.active = False
    session.flush()
    assert user is not None
    return user


def set_role(session: Session, *, team_id: str, user_id: str, role: str) -> Member:
    if role not in ("rep", "manager"):
        raise ValueError("role must be rep or manager")
    member, _ = ensure_member(session, team_id=team_id, user_id=user_id)
    member.role = role
    session.flush()
    return member


def unlinked_owners(session: Session, team_id: str) -> list[Member]:
    return list(session.exec(
        select(Member).where(Member.team_id == team_id, Member.slack_user_id.is_(None), Member.active.is_(True))
        .order_by(Member.crm_name)
    ))
