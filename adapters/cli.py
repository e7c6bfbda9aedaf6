"""The `ogpbot` command: serve, shell, rehearse, export, check, backup, restore, import-plan,
people and migrate-store. The composition root: it reads the settings, opens the seminar and
the store, makes the clock, and hands them to the adapters."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.model import Role
from bot.core.seminar import SeminarError, load_seminar, parse_clock_time
from bot.core.settings import Settings
from bot.i18n.catalogue import LANGUAGES
from bot.store.contract import StoreBusy, StoreError

if TYPE_CHECKING:
    from adapters.rehearsal import Rehearsal

log = logging.getLogger("ogpbot")
MAX_SPEED = 120.0  # how many times as fast as real time a rehearsal's clock may run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ogpbot", description=(
        "A Slack and Teams bot for co-creating an OGP national action plan."))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack, Teams and the public record over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3978)
    shell = sub.add_parser("shell", help="talk to the bot in this terminal")
    shell.add_argument("--user", metavar="EMAIL",
                       help="act as this person (default: the first coordinator)")
    rehearse = sub.add_parser("rehearse", help=(
        "a dress rehearsal of the seminar day: the seminar is today, its clock starts before "
        "the first agenda notice and may run faster; a store of its own (var/rehearsal.json)"))
    rehearse.add_argument("--host", default="127.0.0.1")
    rehearse.add_argument("--port", type=int, default=3978)
    rehearse.add_argument("--speed", type=_speed, default=1.0, metavar="N",
                          help="run the clock N times as fast (default 1, at most "
                               f"{MAX_SPEED:g})")
    rehearse.add_argument("--from", dest="start", type=_clock_time, metavar="HH:MM",
                          help="start the clock at this time of the seminar day (default: one "
                               "minute before the first agenda notice)")
    rehearse.add_argument("--shell", action="store_true",
                          help="in this terminal, like `ogpbot shell`, instead of serving")
    rehearse.add_argument("--user", metavar="EMAIL",
                          help="with --shell: act as this person (default: the first "
                               "coordinator)")
    export = sub.add_parser("export", help="the action-plan draft and the record of inputs")
    export.add_argument("--format", choices=("markdown", "csv", "json", "docx"),
                        default="markdown", help="docx: a Word document in OGP's template")
    export.add_argument("--self-assessment", action="store_true", help=(
        "the self-assessment report on the plan instead (markdown, docx or json)"))
    export.add_argument("--out", metavar="FILE")
    export.add_argument("--lang", choices=LANGUAGES,
                        help="the language of the labels (default: the seminar's)")
    imports = sub.add_parser("import-plan",
                             help="track the commitments of a plan adopted outside the bot")
    imports.add_argument("file", metavar="FILE", help="CSV: id, title, ministry, start, end, "
                         "and optionally description and milestones")
    check = sub.add_parser("check", help="validate the seminar file")
    check.add_argument("seminar_file", nargs="?")
    backup = sub.add_parser("backup", help="a consistent snapshot of the store, also while "
                                           "serve runs (a TinyDB file OGPBOT_DB can open)")
    backup.add_argument("file", metavar="FILE")
    restore = sub.add_parser("restore", help="put a snapshot back as the store (not while a "
                                             "server uses it)")
    restore.add_argument("file", metavar="FILE")
    people = sub.add_parser("people", help="a person's data: show it, or erase them")
    people.add_argument("action", choices=("show", "forget"),
                        help="show: everything stored about them, as JSON; forget: erase them")
    people.add_argument("email", metavar="EMAIL")
    move = sub.add_parser("migrate-store", help=(
        "copy the store OGPBOT_DB names into another, empty one (e.g. a TinyDB file into "
        "PostgreSQL), and check the copy"))
    move.add_argument("--to", required=True, metavar="URL",
                      help="the store to copy into: postgresql://… or a TinyDB file")
    return parser


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= MAX_SPEED or speed != speed:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a speed: a number above 0 and at most {MAX_SPEED:g}")
    return speed


def _clock_time(text: str) -> time:
    at = parse_clock_time(text)
    if at is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time of day: HH:MM")
    return at


def main(argv: Sequence[str] | None = None) -> int:
    from adapters.logs import LOG_FORMATS, configure

    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if settings.log_format not in LOG_FORMATS:
        print(f"ogpbot: OGPBOT_LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, "
              f"not {settings.log_format!r}", file=sys.stderr)
        return 2
    # `serve` logs what it does; the one-shot commands speak only of problems.
    serving = args.command == "serve" or (args.command == "rehearse" and not args.shell)
    configure(settings.log_format, logging.INFO if serving else logging.WARNING)
    try:
        if args.command == "check":
            return check(args.seminar_file or settings.seminar)
        if args.command == "shell":
            return shell(settings, args.user)
        if args.command == "serve":
            return serve(settings, args.host, args.port)
        if args.command == "rehearse":
            if args.user and not args.shell:
                print("ogpbot rehearse: --user goes with --shell", file=sys.stderr)
                return 2
            return rehearse(settings, args.host, args.port, args.speed, args.start,
                            args.user if args.shell else None, args.shell)
        if args.command == "import-plan":
            return import_plan(settings, args.file)
        if args.command in ("backup", "restore"):
            return snapshot(settings, args.command, args.file)
        if args.command == "people":
            return people(settings, args.action, args.email)
        if args.command == "migrate-store":
            return migrate_store(settings, args.to)
        if args.self_assessment and args.format == "csv":
            print("ogpbot: --self-assessment comes as markdown, docx or json, not csv",
                  file=sys.stderr)
            return 2
        return export(settings, args.format, args.out, args.lang, args.self_assessment)
    except SeminarError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"ogpbot: {exc}", file=sys.stderr)
        return 1


def check(path: str) -> int:
    seminar = load_seminar(path)
    print(f"{path}: ok ({len(seminar.agenda)} agenda items, {len(seminar.areas)} areas, "
          f"{len(seminar.organizations)} organisations, {len(seminar.people)} people)")
    return 0


def snapshot(settings: Settings, command: str, file: str) -> int:
    """`backup FILE` (the store into FILE) or `restore FILE` (FILE back as the store)."""
    from bot.i18n.catalogue import t, tn
    from bot.store.backup import backup, restore
    from bot.store.opening import store_name

    try:
        lang = load_seminar(settings.seminar).language
    except SeminarError:  # a store can be saved or put back without a readable seminar file
        lang = LANGUAGES[0]
    if command == "backup":
        count = backup(settings.db, file)
        print(tn(lang, "store.backup_written", count, path=file), file=sys.stderr)
        return 0
    restored = restore(settings.db, file)
    print(tn(lang, "store.restored", restored.documents, path=file, db=store_name(settings.db)),
          file=sys.stderr)
    if restored.aside is not None:
        print(t(lang, "store.restored_aside", path=str(restored.aside)), file=sys.stderr)
    return 0


def shell(settings: Settings, user: str | None, rehearsal: Rehearsal | None = None) -> int:
    from adapters.clockwork import clock_of
    from adapters.console import Console
    from adapters.teams.settings import home_tenant
    from bot.app.runtime import Runtime

    runtime = rehearsal.open(settings) if rehearsal is not None else \
        Runtime.open(settings, clock_of(settings), home_tenant=home_tenant(settings))
    try:
        if user is None:
            first = next((p for p in runtime.bot.records.people()
                          if p.role is Role.COORDINATOR and p.on_roster), None)
            if first is None or not first.email:
                print("ogpbot: the seminar file has no coordinator on its roster; "
                      "use --user EMAIL", file=sys.stderr)
                return 1
            user = first.email
        console = Console(runtime.bot, user, sys.stdin, sys.stdout,
                          interactive=sys.stdin.isatty(), public_url=settings.public_url)
        if rehearsal is not None:
            return rehearsal.shell(runtime, console)
        return console.run()
    finally:
        runtime.close()


def serve(settings: Settings, host: str, port: int, rehearsal: Rehearsal | None = None) -> int:
    from adapters.clockwork import clock_of
    from adapters.server import refusals
    from adapters.server import serve as run_server
    from adapters.teams.settings import home_tenant
    from bot.app.runtime import Runtime
    from bot.store.opening import store_name

    problems = refusals(settings, host)
    for problem in problems:
        print(f"ogpbot: {problem}", file=sys.stderr)
    if problems:
        return 1
    if rehearsal is not None:
        runtime = rehearsal.open(settings)
    else:
        runtime = Runtime.open(settings, clock_of(settings), home_tenant=home_tenant(settings))
    log.info("store: %s%s", store_name(runtime.settings.db),
             " (shared: other replicas may serve it too)" if runtime.store.shared else "")
    try:
        run_server(runtime, host, port)
    finally:
        runtime.close()
    return 0


def rehearse(settings: Settings, host: str, port: int, speed: float, start: time | None,
             user: str | None, in_shell: bool) -> int:
    """`serve` (or, `in_shell`, `shell`) on the seminar moved to today and a clock that starts
    at `start` (by default before the first agenda notice) and runs `speed` times as fast, with
    a store of its own, emptied first."""
    from adapters.rehearsal import Rehearsal, RehearsalBusy

    rehearsal = Rehearsal.today(load_seminar(settings.seminar), speed, start)
    try:
        rehearsal.empty_store()
    except RehearsalBusy as exc:
        print(f"ogpbot rehearse: {exc}", file=sys.stderr)
        return 1
    if in_shell:
        return shell(settings, user, rehearsal)
    log.info(rehearsal.describe())
    return serve(settings, host, port, rehearsal)


def migrate_store(settings: Settings, to: str) -> int:
    """Copy the store into `to` and read both back; the source is opened read-only."""
    from bot.i18n.catalogue import tn
    from bot.store.opening import open_store, store_name
    from bot.store.transfer import copy_store

    name = store_name(to)
    source = open_store(settings.db, readonly=True)
    try:
        target = open_store(to)
        try:
            counts = copy_store(source, target, name)
        finally:
            target.close()
    finally:
        source.close()
    for collection, count in sorted(counts.items()):
        print(f"{collection}: {count}")
    try:
        lang = load_seminar(settings.seminar).language
    except SeminarError:  # a store can be moved without a readable seminar file
        lang = LANGUAGES[0]
    print(tn(lang, "store.migrated", sum(counts.values()), target=name), file=sys.stderr)
    return 0


def export(settings: Settings, fmt: str, out: str | None, lang: str | None = None,
           assessment: bool = False) -> int:
    """Write the export (the plan and the record, or with `assessment` the self-assessment
    report); the store is opened read-only, so this works while `serve` runs."""
    from adapters.documents.word import docx_bytes
    from bot.core.clock import SystemClock
    from bot.core.records import Records
    from bot.i18n.catalogue import t, tn
    from bot.record.export import markdown_of, render
    from bot.record.plan_document import plan_outline
    from bot.record.public import snapshot
    from bot.record.self_assessment import assessment_json, assessment_outline, self_assessment
    from bot.store.opening import open_store

    seminar = load_seminar(settings.seminar)
    store = open_store(settings.db, readonly=True)
    try:
        records = Records(store)
        snap = snapshot(seminar, records, SystemClock().now())
        meetings = [m.to_dict() for m in records.meetings()]
    finally:
        store.close()
    lang = lang or seminar.language
    written: str | bytes
    if assessment:
        report = self_assessment(snap, lang)
        if fmt == "json":
            written = json.dumps(assessment_json(report), ensure_ascii=False, indent=2) + "\n"
        elif fmt == "docx":
            written = docx_bytes(assessment_outline(report))
        else:
            written = markdown_of(assessment_outline(report))
        wrote = tn(lang, "assessment.wrote", len(report.commitments), path=out)
    else:
        written = (docx_bytes(plan_outline(snap, lang)) if fmt == "docx"
                   else render(snap, fmt, lang, meetings))
        wrote = tn(lang, "export.wrote", len(snap.proposals), path=out)
    if out is None:
        if isinstance(written, str):
            sys.stdout.write(written)
            sys.stdout.flush()
            return 0
        if sys.stdout.isatty():
            print(f"ogpbot: {t(lang, 'export.binary_to_terminal')}", file=sys.stderr)
            return 1
        sys.stdout.buffer.write(written)
        sys.stdout.buffer.flush()
        return 0
    try:
        if isinstance(written, bytes):
            with open(out, "wb") as f:
                f.write(written)
        else:
            with open(out, "w", encoding="utf-8", newline="") as f:
                f.write(written)
    except OSError as exc:
        print(f"ogpbot: {out}: cannot be written: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(wrote, file=sys.stderr)
    return 0

def people(settings: Settings, action: str, email: str) -> int:
    """`people show EMAIL` reads the store read-only (also while `serve` runs) and prints JSON;
    `people forget EMAIL` needs the store to itself (a TinyDB file or PostgreSQL), and says so
    when a server holds it."""
    from bot.app.people_rights import PeopleError, forget, show
    from bot.store.opening import is_database_url, open_store, store_name

    name = store_name(settings.db)
    if action == "show":
        store = open_store(settings.db, readonly=True)
        try:
            found = show(store, email)
        except PeopleError as exc:
            print(f"ogpbot people show: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()
        print(json.dumps(found, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    seminar = load_seminar(settings.seminar)
    if not is_database_url(settings.db) and not Path(settings.db).exists():
        print(f"ogpbot people forget: {name}: no such store file", file=sys.stderr)
        return 1
    try:
        store = open_store(settings.db, exclusive=True)
    except StoreBusy:
        print(f"ogpbot people forget: {name} is in use by a running `ogpbot serve`; "
              "stop the server (every replica), run this again, then start the server again "
              "(nothing was changed)", file=sys.stderr)
        return 1
    try:
        done = forget(store, seminar, email)
    except PeopleError as exc:
        print(f"ogpbot people forget: {exc} (nothing was changed)", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(json.dumps({"erased": email.strip().lower(), "now_known_as": done.erased_key,
                      "deleted": done.deleted, "changed": done.changed},
                     ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def import_plan(settings: Settings, path: str) -> int:
    """Import a plan's commitments; every problem on its own line and nothing stored if any."""
    from adapters.clockwork import clock_of
    from adapters.teams.settings import home_tenant
    from bot.app.runtime import Runtime
    from bot.i18n.catalogue import tn
    from bot.process.plan_import import PlanFileError, import_plan, parse_plan

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        print(f"ogpbot: {path}: cannot be read: {exc.strerror or exc}", file=sys.stderr)
        return 1
    runtime = Runtime.open(settings, clock_of(settings), home_tenant=home_tenant(settings))
    try:
        bot = runtime.bot
        try:
            rows = parse_plan(data, bot.seminar, path)
            made = import_plan(bot.records, bot.outbox, bot.seminar, rows, bot.clock.now())
        except PlanFileError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
    finally:
        runtime.close()
    lang = runtime.seminar.language
    print(tn(lang, "import.done", len(made), path=path,
             refs=", ".join(p.ref for p in made)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
