"""The console adapter: `ogpbot shell`, one chat line per input line, replies on stdout.

Works by hand and with piped input; a form (`propose`) becomes a series of prompts.
"""

from __future__ import annotations

from typing import TextIO

from bot.app import OgpBot
from bot.command import Command, Place, Speaker
from bot.messages import t
from bot.reply import Form, FormField, Reply

PLATFORM = "console"


class Console:
    def __init__(self, bot: OgpBot, email: str, stdin: TextIO, stdout: TextIO,
                 interactive: bool = False) -> None:
        self.bot = bot
        self.speaker = Speaker(PLATFORM, email.lower(), email=email.lower())
        self.place = Place(PLATFORM, f"console:{email.lower()}", is_direct=True, name="console")
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def read(self, prompt: str) -> str | None:
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def run(self) -> int:
        """Answer each line; 0 when every line was understood, 1 otherwise."""
        all_ok = True
        while (line := self.read("ogpbot> ")) is not None:
            if not line.strip():
                continue
            reply = self.bot.handle(Command(self.speaker, self.place, words=line))
            if reply.form is not None and reply.ok:
                reply = self.fill(reply.form, reply.language)
            self.show(reply)
            all_ok = all_ok and reply.ok
        return 0 if all_ok else 1

    def show(self, reply: Reply) -> None:
        self.say(reply.text)
        self.say("")

    def fill(self, form: Form, lang: str) -> Reply:
        """Ask for each field of `form` in turn, then submit; ask again for refused fields."""
        self.say(t(lang, "prompt.intro"))
        values: dict[str, object] = {}
        todo = list(form.fields)
        for _attempt in range(3):
            for field in todo:
                answer = self.ask(field, lang)
                if answer is None:
                    return Reply(language=lang, ok=False, lines=(t(lang, "prompt.cancelled"),))
                values[field.id] = answer
            reply = self.bot.handle(Command(self.speaker, self.place, form_id=form.id,
                                            form=values))
            if reply.ok or not reply.errors:
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
