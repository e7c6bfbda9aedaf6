"""The answers to Teams `invoke` activities: every invoke gets a 200 with a body its client
understands, never the 501 botbuilder gives an invoke that nothing answered (which Teams shows
as "something went wrong", and counts against the app).

ogpbot's cards submit with `Action.Submit`, which arrives as a message; its manifest declares no
message extension, task module or tab. An invoke reaches it all the same: an `Action.Execute`
from a card someone forwarded (`adaptiveCard/action`), a message extension or task module of a
package edited by hand (`composeExtension/*`, `task/*`), Teams' own `healthCheck`, sign-in and
file-consent steps. Each is answered in the shape its client reads (a message for a card action,
a message result for a message extension, a message task for a task module) saying, in the
person's language, that the bot does not do this here and that `help` lists what it does; an
invoke no client shows anything for gets a bare 200.
"""

from __future__ import annotations

from botbuilder.core import InvokeResponse

from bot.i18n.catalogue import t

OK = 200
#: Invokes whose client shows a task module (a dialog): answered with a message task.
_TASK = frozenset({"task/fetch", "task/submit", "composeExtension/fetchTask",
                   "composeExtension/submitAction"})
#: Message-extension invokes whose client shows a result list: answered with a message result.
_EXTENSION = frozenset({"composeExtension/query", "composeExtension/queryLink",
                        "composeExtension/anonymousQueryLink", "composeExtension/selectItem",
                        "composeExtension/querySettingUrl"})


def invoke_response(name: str | None, language: str) -> InvokeResponse:
    """The answer to the invoke `name`, its sentence in `language`."""
    name = name or ""
    if name == "healthCheck":
        return InvokeResponse(status=OK, body={"healthResults": {"success": True}})
    if name == "adaptiveCard/action":  # Universal Actions: the card's client shows the text
        return InvokeResponse(status=OK, body={
            "statusCode": OK, "type": "application/vnd.microsoft.activity.message",
            "value": _sentence(language)})
    if name in _TASK:
        return InvokeResponse(status=OK, body={"task": {"type": "message",
                                                        "value": _sentence(language)}})
    if name in _EXTENSION:
        return InvokeResponse(status=OK, body={"composeExtension": {
            "type": "message", "text": _sentence(language)}})
    # sign-in steps, file consent, message feedback, settings and anything new: nothing shown
    return InvokeResponse(status=OK, body=None)


def _sentence(language: str) -> str:
    return t(language, "teams.invoke_unsupported")

