"""The web pages of the "Add to Slack" flow, in English and Chinese: the install page (GET /slack/install), and
what the installer reads when Slack sends them back (GET /slack/oauth_redirect): installed, or why not.

Bolt runs the flow (state, code exchange, storing); these replace its English-only pages. Every page is
`no-store` (it carries a one-time state or follows one), and shows only text salesbot wrote or escaped.
"""

from html import escape

from slack_bolt import BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.request import BoltRequest

from reports.i18n import add_messages, msg, t

add_messages(
    msg("install.page.title", "Add salesbot to your Slack workspace"),
    msg("install.page.what", "salesbot brings KPIs, weekly digests, one-on-one check-ins and customer feedback "
        "into Slack. Slack's next page lists the bot permissions it asks for; nothing is asked of your own account."),
    msg("install.page.button", "Add to Slack"),
    msg("install.done", "salesbot is installed in {team}. In Slack, type /salesbot help to start; drop your CRM "
        "export in a direct message with the bot to bring your deals."),
    msg("install.done.open", "Open Slack"),
    msg("install.failed.state", "The installation was not finished: this link was already used, is more than 10 "
        "minutes old, or was opened in another browser than the one that started it. Nothing was installed. "
        "Start again from the install page."),
    msg("install.failed.denied", "The installation was cancelled in Slack. Nothing was installed."),
    msg("install.failed.other", "Slack did not confirm the installation ({reason}). Nothing was installed. Start "
        "again from the install page; if it keeps failing, tell the person who runs salesbot."),
    msg("install.failed.again", "Install page"),
)

STATE_REASONS = frozenset({"invalid_browser", "invalid_state", "missing_code"})


def page(key: str, link: tuple[str, str] | None = None, **params: str) -> str:
    """One short page: the text of `key` in English then Chinese, and a link (url, label key) under it."""
    paragraphs = "".join(f"<p>{escape(t(key, lang, **params))}</p>" for lang in ("en", "zh"))
    button = ""
    if link is not None:
        url, label = link
        words = " · ".join(escape(t(label, lang)) for lang in ("en", "zh"))
        button = (f"<p><a href=\"{escape(url)}\" style='display:inline-block;padding:.6em 1.2em;background:#4a154b;"
                  f"color:#fff;border-radius:6px;text-decoration:none'>{words}</a></p>")
    return ("<!doctype html><meta charset='utf-8'><title>salesbot</title><body style='font-family:sans-serif;"
            f"max-width:40em;margin:4em auto'>{paragraphs}{button}</body>")


def _html(status: int, body: str) -> BoltResponse:
    return BoltResponse(status=status, body=body,
                        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})


class SalesbotOAuthFlow(OAuthFlow):
    """Bolt's flow with salesbot's install page (never cached: it carries a one-time state)."""

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        response = super().handle_installation(request)
        response.headers["cache-control"] = ["no-store"]
        return response

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        intro = "".join(f"<h2>{escape(t('install.page.title', lang))}</h2>" for lang in ("en", "zh"))
        return page("install.page.what", (url, "install.page.button")).replace("<p>", intro + "<p>", 1)


def _success(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    team = installation.team_name or installation.team_id or ""
    url = f"slack://app?team={installation.team_id}&id={installation.app_id}"
    return _html(200, page("install.done", (url, "install.done.open"), team=team))


def _failure(args: FailureArgs) -> BoltResponse:
    again = (args.settings.install_path, "install.failed.again")
    if args.reason == "access_denied":
        return _html(200, page("install.failed.denied", again))
    key = "install.failed.state" if args.reason in STATE_REASONS else "install.failed.other"
    return _html(args.suggested_status_code, page(key, again, reason=args.reason))


CALLBACKS = CallbackOptions(success=_success, failure=_failure)
