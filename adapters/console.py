"""The console adapter: `ogpbot shell`, one chat line per input line, replies on stdout.

Works by hand and with piped input; a form (`propose`, `edit P-N`) becomes a series of
prompts.

Notices: the shell acts as one person, so it delivers that person's notices and nobody else's.
After each answered line it runs the real `Dispatcher` once (`run_due`, under a short
`asyncio.run`) with a `ConsoleNotifier` and a scope of "notices addressed to this person":
every such notice that is due is printed as `→ ...` lines after the reply and recorded as sent,
exactly as `serve` would record it sent through Slack or Teams (the same composing, late-notice
and stale rules). Notices to other people, to conversations and to the announcement channel are
left pending for `ogpbot serve`. Why not a dispatcher running beside the prompt: the shell is
synchronous and reads a line at a time; notices printed between prompts would interleave with
what the person types and make piped output depend on timing. So a notice that falls due while
the shell waits for input shows after the next line (press Enter to look), and a session's
output depends only on its input and the clock. The store admits one process at a time, so a
shell never races `serve` for the same notice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TextIO

from bot.app.frontdoor import OgpBot
from bot.core.command import Command, Place, Speaker
from bot.core.reply import Form, FormField, Reply
from bot.i18n.catalogue import t
from bot.notices.dispatcher import Dispatcher
from bot.notices.port import FileAttachment
from bot.process.proposal_form import FORM_ID

PLATFORM = "console"
ARROW = "→ "


class ConsoleNotifier:
    """The `Notifier` of the shell: a notice is written to the terminal, first line after an
    arrow, the rest indented under it. It cannot fail, so it never raises `DeliveryError`."""

    platform = PLATFORM
    pace = 0.0  # a terminal keeps up

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        self.show(message)

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        self.show(message)

    async def delivered(self, address: str, key: str, *, direct: bool) -> bool | None:
        return None  # what was printed cannot be read back (and printing cannot fail)

    async def find_user(self, email: str) -> str | None:
        return None

    def show(self, message: Reply) -> None:
        first, *rest = message.text.splitlines() or [""]
        self.say("\n".join([ARROW + first, *("  " + line for line in rest)]))


class Console:
    def __init__(self, bot: OgpBot, email: str, stdin: TextIO, stdout: TextIO,
                 interactive: bool = False, public_url: str = "") -> None:
        self.bot = bot
        self.speaker = Speaker(PLATFORM, email.lower(), email=email.lower())
        self.place = Place(PLATFORM, f"console:{email.lower()}", is_direct=True, name="console")
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.public_url = public_url
        self.notifier = ConsoleNotifier(self.say)
        self.dispatcher = Dispatcher(bot, {PLATFORM: self.notifier}, pace={},
                                     public_url=public_url)
        #: the next input line, None at the end of input (a rehearsal reads them elsewhere)
        self.next_line: Callable[[], str | None] = self._stdin_line
        self.at_prompt = False  # a prompt is shown and nothing was typed after it yet

    def say(self, text: str) -> None:
        # something said while a prompt waits (a rehearsal's notice) starts on a line of its own
        self.stdout.write(("\n" if self.at_prompt else "") + text + "\n")
        self.stdout.flush()
        self.at_prompt = False

    def prompt(self, text: str = "ogpbot> ") -> None:
        if self.interactive:
            self.stdout.write(text)
            self.stdout.flush()
            self.at_prompt = True

    def _stdin_line(self) -> str | None:
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def read(self, prompt: str) -> str | None:
        self.prompt(prompt)
        line = self.next_line()
        self.at_prompt = False  # the line typed ended with a new line
        return line

    def run(self) -> int:
        """Answer each line; 0 when every line was understood, 1 otherwise."""
        all_ok = True
        while (line := self.read("ogpbot> ")) is not None:
            if not line.strip():
                continue
            ok = self.answer(line)
            if self.deliver():
                self.say("")
            all_ok = all_ok and ok
        return 0 if all_ok else 1

    def answer(self, line: str) -> bool:
        """Answer one line (asking for a form's fields in turn); whether it was understood."""
        reply = self.bot.handle(Command(self.speaker, self.place, words=line))
        if reply.form is not None and reply.ok:
            reply = self.fill(reply.form, reply.language, reply.title)
        self.show(reply)
        return reply.ok

    def show(self, reply: Reply) -> None:
        self.say(reply.text)
        self.say("")

    def deliver(self) -> int:
        """Print this person's notices that are due, marking each sent; return how many."""
        key = self.me()
        if key is None:
            return 0
        self.dispatcher.scope = {"for_person": key}
        before = self.dispatcher.stats["sent"]
        asyncio.run(self.dispatcher.run_due())
        return self.dispatcher.stats["sent"] - before

    def me(self) -> str | None:
        """The person key the shell acts as (known once the core has seen them)."""
        person = self.bot.records.person_by_platform(PLATFORM, self.speaker.user_id)
        return person.key if person is not None else None

    def fill(self, form: Form, lang: str, title: str | None = None) -> Reply:
        """Ask for each field of `form` in turn, then submit; ask again for refused fields.
        A form sent back anew (someone saved a newer version meanwhile) is shown with what
        the bot said, and asked again with the person's own answers as the defaults."""
        if form.id == FORM_ID:
            self.say(t(lang, "prompt.intro"))
        else:
            self.say(t(lang, "prompt.edit_intro", title=title or form.title))
        values: dict[str, object] = {}
        todo = list(form.fields)
        for _attempt in range(3):
            for field in todo:
                answer = self.ask(field, lang)
                if answer is None:
                    return Reply(language=lang, ok=False, lines=(t(lang, "prompt.cancelled"),))
                values[field.id] = answer
            reply = self.bot.handle(Command(self.speaker, self.place, form_id=form.id,
                                            form={**form.hidden, **values}))
            if reply.ok:
                return reply
            if reply.form is not None and not reply.errors:
                self.show(reply)  # the form anew: its fields hold what this person wrote
                form, todo = reply.form, list(reply.form.fields)
                continue
            if not reply.errors:
                return reply
            self.say("\n".join(f"- {message}" for message in reply.errors.values()))
            todo = [f for f in form.fields if f.id in reply.errors]
        return reply

    def ask(self, field: FormField, lang: str) -> object | None:
        """One prompt; None cancels the form (an empty answer to a required field, or EOF)."""
        label = field.label + ("" if field.required else f" ({t(lang, 'prompt.optional')})")
        if field.initial and isinstance(field.initial, str):
            label += f" [{field.initial}]"
        if field.choices:
            for n, choice in enumerate(field.choices, 1):
                self.say(f"  {n}. {choice.label} ({choice.value})")
            how = "prompt.choose_many" if field.kind == "multi_choice" else "prompt.choose"
            label += f" – {t(lang, how)}"
        answer = self.read(f"{label}: ")
        if answer is None:
            return None
        answer = answer.strip() or (field.initial if isinstance(field.initial, str) else "")
        if not answer:
            return "" if not field.required else None
        if field.kind == "multiline":
            return answer.replace(" ; ", "\n").replace(";", "\n") if field.id == "milestones" \
                else answer
        if field.choices:
            picked = [self._choice(field, word) for word in answer.split(",") if word.strip()]
            return picked if field.kind == "multi_choice" else picked[0]
        return answer

    @staticmethod
    def _choice(field: FormField, word: str) -> str:
        word = word.strip()
        if word.isdigit() and 1 <= int(word) <= len(field.choices):
            return field.choices[int(word) - 1].value
        lowered = word.casefold()
        for choice in field.choices:
            if lowered in (choice.value.casefold(), choice.label.casefold()):
                return choice.value
        return word
