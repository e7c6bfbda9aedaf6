"""Every sentence a person reads, in Norwegian bokmål and English, and dates as each language
writes them ("tirsdag 1. desember kl. 10:00", "Tuesday 1 December at 10:00")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("nb", "en")

# key -> (bokmål, English). Placeholders are str.format fields and match in both languages.
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- generic errors -------------------------------------------------------------------
    "error.unknown_word": (
        "Jeg forstår ikke «{word}». Skriv «help» for å se hva du kan gjøre.",
        "I don't understand “{word}”. Type “help” to see what you can do."),
    "error.empty": (
        "Skriv en kommando, for eksempel «status» eller «help».",
        "Type a command, for example “status” or “help”."),
    "error.internal": (
        "Noe gikk galt hos oss. Ingenting ble endret; prøv igjen om litt.",
        "Something went wrong on our side. Nothing was changed; please try again shortly."),
    "error.storage": (
        "Jeg fikk ikke lagret dette, så ingenting ble endret. Prøv igjen om litt, og si fra "
        "til koordinatoren hvis det fortsetter.",
        "I could not save this, so nothing was changed. Try again shortly, and tell the "
        "coordinator if it keeps happening."),
    "error.not_allowed": (
        "Som {role} kan du ikke bruke «{word}»; det kan bare: {who}. Skriv «help» for å se hva "
        "du kan gjøre.",
        "As {role} you cannot use “{word}”; only: {who}. Type “help” to see what you can do."),
    "error.not_responsible": (
        "{ref} er {ministry} sitt ansvar; bare dem og koordinatoren kan bruke «{word}» på den.",
        "{ref} is the responsibility of {ministry}; only they and the coordinator can use "
        "“{word}” on it."),
    "error.not_proposer": (
        "Bare forslagsstilleren ({name}) og koordinatoren kan trekke {ref}.",
        "Only the proposer ({name}) and the coordinator can withdraw {ref}."),
    "error.usage": ("Slik brukes det: {usage}", "Usage: {usage}"),
    "error.no_number": (
        "«{word}» trenger et forslagsnummer, for eksempel «{word} P-1».",
        "“{word}” needs a proposal number, for example “{word} P-1”."),
    "error.bad_number": (
        "«{text}» er ikke et forslagsnummer. Forslag har nummer som P-1, P-2 …",
        "“{text}” is not a proposal number. Proposals are numbered P-1, P-2 …"),
    "error.unknown_proposal": (
        "Det finnes ikke noe forslag {ref}. Skriv «status» for å se dine forslag.",
        "There is no proposal {ref}. Type “status” to see your proposals."),
    "error.step_forbidden": (
        "{ref} har status «{status}», så «{word}» kan ikke brukes nå. Det går fra: {allowed}.",
        "{ref} is “{status}”, so “{word}” cannot be used now. It works from: {allowed}."),
    "error.include_needs_agreed_report": (
        "{ref} kan bare tas med i planen når departementet har rapportert enighet "
        "(«report {ref} agreed …»).",
        "{ref} can only be included once its ministry has reported agreement "
        "(“report {ref} agreed …”)."),
    "error.choice": (
        "«{text}» er ikke et gyldig valg her. Velg en av: {choices}.",
        "“{text}” is not a valid choice here. Choose one of: {choices}."),
    "error.text_required": (
        "«{word}» trenger en tekst til slutt: {usage}",
        "“{word}” needs some text at the end: {usage}"),
    "error.reason_required": (
        "En begrunnelse er påkrevd når et forslag ikke tas med; den publiseres. "
        "Skriv: decide {ref} exclude BEGRUNNELSE",
        "A reason is required to exclude a proposal; it is published. "
        "Type: decide {ref} exclude REASON"),
    "error.too_long": (
        "Teksten er for lang ({length} tegn); høyst {limit} tegn.",
        "The text is too long ({length} characters); at most {limit}."),
    "error.bad_datetime": (
        "«{text}» er ikke et tidspunkt. Skriv dato og klokkeslett slik: 2026-12-03 14:00.",
        "“{text}” is not a time. Write the date and time like this: 2026-12-03 14:00."),
    "error.past": (
        "{when} har allerede vært. Velg et tidspunkt fram i tid.",
        "{when} is already past. Choose a time in the future."),
    "error.form_unknown": (
        "Det skjemaet kjenner jeg ikke igjen. Skriv «propose» for å få et nytt.",
        "I don't recognise that form. Type “propose” to get a new one."),
    # --- slack adapter (entries for the Slack adapter go here) ---
    "slack.cancel": ("Avbryt", "Cancel"),
    "slack.close": ("Lukk", "Close"),
    "slack.help_button": ("Hjelp", "Help"),
    "slack.home_title": ("ogpbot – OGP-handlingsplanen", "ogpbot – the OGP action plan"),
    "slack.home_intro": (
        "Her ser du forslagene dine, bordet ditt, møtene dine og hva som skjer nå. Skriv "
        "/ogp help i en kanal eller til meg for alt du kan gjøre.",
        "Here are your proposals, your table, your meetings and what runs now. Type /ogp help "
        "in a channel or to me for everything you can do."),
    "slack.cannot_reply_here": (
        "Jeg fikk ikke svart deg der du skrev (er jeg invitert til kanalen? /invite @ogpbot), "
        "så her er svaret:",
        "I could not answer you where you wrote (am I invited to the channel? /invite @ogpbot), "
        "so here is the answer:"),
    # --- roles, statuses, values ---------------------------------------------------------------
    "role.coordinator": ("koordinator", "coordinator"),
    "role.ministry": ("departement", "ministry"),
    "role.civil_society": ("sivilt samfunn", "civil society"),
    "role.observer": ("observatør", "observer"),
    "status.submitted": ("innsendt", "submitted"),
    "status.presented": ("presentert", "presented"),
    "status.in_discussion": ("til diskusjon", "in discussion"),
    "status.agreed": ("enighet", "agreed"),
    "status.bilateral": ("bilateralt møte", "bilateral meeting"),
    "status.reported": ("rapportert", "reported"),
    "status.included": ("tatt med i planen", "included in the plan"),
    "status.not_included": ("ikke tatt med", "not included"),
    "status.withdrawn": ("trukket", "withdrawn"),
    "value.transparency": ("åpenhet", "transparency"),
    "value.participation": ("deltakelse", "participation"),
    "value.accountability": ("ansvarlighet", "accountability"),
    "value.transparency.hint": (
        "mer, bedre eller lettere tilgjengelig informasjon, eller sterkere rett til innsyn",
        "more, better or easier-to-reach information, or a stronger right to information"),
    "value.participation.hint": (
        "nye eller bedre måter for folk å påvirke beslutninger, eller bedre vilkår for "
        "sivilsamfunnet",
        "new or better ways for the public to inform or influence decisions, or better "
        "conditions for civil society"),
    "value.accountability.hint": (
        "regler og ordninger som gjør at myndighetene må svare offentlig for det de gjør",
        "rules and mechanisms that make officials answer publicly for what they do"),
    # --- teams adapter (entries for the Teams adapter go here) ---
    # --- help ---------------------------------------------------------------------------------
    "help.title": ("Hva du kan gjøre ({role})", "What you can do ({role})"),
    "help.help": ("help – denne oversikten", "help – this overview"),
    "help.propose": ("propose – foreslå en forpliktelse (skjema)",
                     "propose – propose a commitment (form)"),
    "help.propose_line": (
        "propose TITTEL | PROBLEM | BESKRIVELSE | VERDIER | OMRÅDE | DEPARTEMENT "
        "[| ORGANISASJON] – det samme på én linje",
        "propose TITLE | PROBLEM | DESCRIPTION | VALUES | AREA | MINISTRY [| ORGANISATION] "
        "– the same in one line"),
    "help.status": ("status – dine forslag; status P-N eller status ORD – ett forslag eller søk",
                    "status – your proposals; status P-N or status WORDS – one proposal or a "
                    "search"),
    "help.agenda": ("agenda – dagsordenen, hva som skjer nå og hva som kommer",
                    "agenda – the agenda, what runs now and what is next"),
    "help.channel": ("channel here – denne samtalen får kunngjøringene fra dagsordenen",
                     "channel here – this conversation receives the agenda notices"),
    "help.tables_assign": ("tables assign – fordel forslag og folk på småbord",
                           "tables assign – assign proposals and people to small tables"),
    "help.tables": ("tables – bordplanen og ditt bord", "tables – the table plan and your table"),
    "help.outcome": ("outcome P-N agreed|bilateral – resultatet fra bordet",
                     "outcome P-N agreed|bilateral – the table's result"),
    "help.meet": ("meet P-N ÅÅÅÅ-MM-DD TT:MM [STED] – avtal bilateralt møte",
                  "meet P-N YYYY-MM-DD HH:MM [PLACE] – schedule a bilateral meeting"),
    "help.meetings": ("meetings – dine bilaterale møter", "meetings – your bilateral meetings"),
    "help.report": ("report P-N agreed|declined TEKST – rapporter resultatet til koordinatoren",
                    "report P-N agreed|declined TEXT – report the result to the coordinator"),
    "help.decide": ("decide P-N include|exclude BEGRUNNELSE – endelig beslutning (begrunnelsen "
                    "publiseres)",
                    "decide P-N include|exclude REASON – final decision (the reason is "
                    "published)"),
    "help.withdraw": ("withdraw P-N – trekk et forslag", "withdraw P-N – withdraw a proposal"),
    "help.values": ("OGP-verdier: transparency (åpenhet), participation (deltakelse), "
                    "accountability (ansvarlighet).",
                    "OGP values: transparency, participation, accountability."),
    "help.areas": ("Hovedområder: {areas}.", "Main areas: {areas}."),
    # --- propose ------------------------------------------------------------------------------
    "propose.form_title": ("Foreslå en forpliktelse", "Propose a commitment"),
    "propose.submit": ("Send inn", "Submit"),
    "propose.title": ("Tittel", "Title"),
    "propose.title.hint": ("Kort navn på forpliktelsen.", "A short name for the commitment."),
    "propose.problem": ("Problemet", "The problem"),
    "propose.problem.hint": ("Hvilket samfunnsproblem løser den? Ta med fakta om dagens "
                             "situasjon hvis du har dem.",
                             "Which public problem does it address? Include facts about today "
                             "where you have them."),
    "propose.description": ("Forpliktelsen", "The commitment"),
    "propose.description.hint": ("Hva skal gjøres, og hvilke resultater venter du?",
                                 "What will be done, and what results do you expect?"),
    "propose.values": ("OGP-verdier", "OGP values"),
    "propose.values.hint": ("Minst én.", "At least one."),
    "propose.area": ("Hovedområde", "Main area"),
    "propose.ministry": ("Ansvarlig departement", "Responsible ministry"),
    "propose.milestones": ("Milepæler", "Milestones"),
    "propose.milestones.hint": ("Valgfritt. Én per linje: ÅÅÅÅ-MM-DD tekst.",
                                "Optional. One per line: YYYY-MM-DD text."),
    "propose.organization": ("Din organisasjon", "Your organisation"),
    "propose.organization.hint": ("Organisasjonen du foreslår på vegne av.",
                                  "The organisation you propose on behalf of."),
    "propose.missing": ("Fyll ut {field}.", "Please fill in {field}."),
    "propose.too_long": ("{field} er for lang ({length} tegn); høyst {limit}.",
                         "{field} is too long ({length} characters); at most {limit}."),
    "propose.no_value": ("Velg minst én OGP-verdi: åpenhet, deltakelse eller ansvarlighet.",
                         "Choose at least one OGP value: transparency, participation or "
                         "accountability."),
    "propose.bad_value": ("«{text}» er ikke en OGP-verdi. Bruk transparency, participation "
                          "eller accountability.",
                          "“{text}” is not an OGP value. Use transparency, participation or "
                          "accountability."),
    "propose.bad_area": ("«{text}» er ikke et hovedområde. Velg en av: {choices}.",
                         "“{text}” is not a main area. Choose one of: {choices}."),
    "propose.bad_ministry": ("«{text}» er ikke et departement. Velg en av: {choices}.",
                             "“{text}” is not a ministry. Choose one of: {choices}."),
    "propose.bad_milestone": ("Milepæl «{text}» må skrives ÅÅÅÅ-MM-DD tekst.",
                              "Milestone “{text}” must be written YYYY-MM-DD text."),
    "propose.org_not_needed": (
        "Du står på deltakerlisten for {org}, så du trenger ikke oppgi organisasjon.",
        "You are on the roster for {org}, so you don't need to name an organisation."),
    "propose.line_parts": (
        "Et forslag på én linje har 6 eller 7 deler skilt med |, du skrev {count}: "
        "propose TITTEL | PROBLEM | BESKRIVELSE | VERDIER | OMRÅDE | DEPARTEMENT [| ORGANISASJON]",
        "A one-line proposal has 6 or 7 parts separated by |, you wrote {count}: "
        "propose TITLE | PROBLEM | DESCRIPTION | VALUES | AREA | MINISTRY [| ORGANISATION]"),
    "propose.not_saved": ("Forslaget ble ikke sendt inn:", "The proposal was not submitted:"),
    "propose.done": ("Takk! Forslaget ditt er registrert som {ref}.",
                     "Thank you! Your proposal is registered as {ref}."),
    "propose.next": (
        "Neste steg: {ministry} og koordinatoren er varslet. Forslaget presenteres på seminaret "
        "og diskuteres ved småbordene. Skriv «status {ref}» for å følge det.",
        "Next: {ministry} and the coordinator have been told. The proposal is presented at the "
        "seminar and discussed at the small tables. Type “status {ref}” to follow it."),
    "propose.notice_title": ("Nytt forslag {ref}: {title}", "New proposal {ref}: {title}"),
    "propose.notice_line": ("Fra {who} ({org}). Ansvarlig departement: {ministry}.",
                            "From {who} ({org}). Responsible ministry: {ministry}."),
    "prompt.intro": ("Foreslå en forpliktelse. Svar på hvert spørsmål (tom linje avbryter).",
                     "Propose a commitment. Answer each question (an empty line cancels)."),
    "prompt.cancelled": ("Avbrutt; ingenting ble sendt inn.", "Cancelled; nothing was submitted."),
    "prompt.choose": ("Skriv nummer eller navn", "Type a number or name"),
    "prompt.choose_many": ("Skriv ett eller flere, skilt med komma",
                           "Type one or more, separated by commas"),
    "prompt.optional": ("valgfritt, tom linje hopper over", "optional, an empty line skips"),
    # --- notices and meetings' reminders (entries for the dispatcher go here) ---
    "notice.heads_up": ("Om {minutes} minutter, kl. {time}: {title}",
                        "In {minutes} minutes, at {time}: {title}"),
    "notice.starts": ("Nå, kl. {time}: {title}", "Now, at {time}: {title}"),
    "notice.presentations": ("Forslagene som presenteres, i denne rekkefølgen:",
                             "The proposals to be presented, in this order:"),
    "notice.presentations_none": ("Ingen forslag venter på å bli presentert.",
                                  "No proposals are waiting to be presented."),
    "notice.presentation_line": ("{n}. {ref} {title} ({org})", "{n}. {ref} {title} ({org})"),
    "notice.late": ("Denne meldingen kommer sent: den skulle vært sendt {when}.",
                    "This message is late: it was due {when}."),
    "notice.reminder_title": ("Påminnelse: bilateralt møte om {ref} {when}",
                              "Reminder: bilateral meeting on {ref} {when}"),
    "notice.nudge_title": ("Møtet om {ref} er holdt, men rapporten mangler",
                           "The meeting on {ref} has been held, but there is no report yet"),
    "notice.nudge_hint": ("Send resultatet til koordinatoren med «report {ref} agreed TEKST» "
                          "eller «report {ref} declined TEKST».",
                          "Send the result to the coordinator with “report {ref} agreed TEXT” "
                          "or “report {ref} declined TEXT”."),
    "notice.calendar": ("Kalenderfil: {url}", "Calendar file: {url}"),
    "notice.alert_title": ("En melding fra ogpbot kom ikke fram",
                           "A message from ogpbot could not be delivered"),
    "notice.alert_to": ("Til: {to}", "To: {to}"),
    "notice.alert_reason": ("Grunn: {reason}", "Reason: {reason}"),
    "notice.alert_message": ("Meldingen: {title}", "The message: {title}"),
    "notice.alert_hint": ("Flere meldinger til samme sted med samme feil varsles ikke igjen.",
                          "Further messages to the same place failing the same way are not "
                          "reported again."),
    "notice.announce_channel": ("kunngjøringskanalen", "the announcement channel"),
    "ics.summary": ("Bilateralt møte om {ref}: {title}", "Bilateral meeting on {ref}: {title}"),
    # --- status -------------------------------------------------------------------------------
    "status.none_own": ("Du har ingen forslag ennå. Skriv «propose» for å foreslå en "
                        "forpliktelse.",
                        "You have no proposals yet. Type “propose” to propose a commitment."),
    "status.own_title": ("Dine forslag", "Your proposals"),
    "status.ministry_title": ("Forslag {ministry} har ansvar for",
                              "Proposals {ministry} is responsible for"),
    "status.all_title": ("Alle forslag", "All proposals"),
    "status.search_title": ("Forslag som passer «{words}»", "Proposals matching “{words}”"),
    "status.no_match": ("Ingen forslag passer «{words}». Prøv andre ord, eller «status P-N».",
                        "No proposal matches “{words}”. Try other words, or “status P-N”."),
    "status.line": ("{ref} {title} – {status}", "{ref} {title} – {status}"),
    "card.status": ("Status", "Status"),
    "card.proposer": ("Foreslått av", "Proposed by"),
    "card.ministry": ("Ansvarlig departement", "Responsible ministry"),
    "card.area": ("Hovedområde", "Main area"),
    "card.values": ("OGP-verdier", "OGP values"),
    "card.problem": ("Problemet", "Problem"),
    "card.description": ("Forpliktelsen", "Commitment"),
    "card.milestones": ("Milepæler", "Milestones"),
    "card.meeting": ("Bilateralt møte", "Bilateral meeting"),
    "card.report": ("Rapport fra departementet", "Ministry's report"),
    "card.decision": ("Begrunnet svar", "Reasoned response"),
    "card.history": ("Historikk", "History"),
    "card.history_line": ("{when} – {who}: {what}", "{when} – {who}: {what}"),
    "history.proposed": ("foreslo", "proposed"),
    "history.presented": ("presentert på seminaret", "presented at the seminar"),
    "history.discussed": ("satt til et småbord", "placed at a small table"),
    "history.discussed.detail": ("satt til småbord {detail}", "placed at small table {detail}"),
    "history.outcome_agreed": ("bordet ble enige", "the table agreed"),
    "history.outcome_bilateral": ("videre i bilateralt møte", "continues in a bilateral meeting"),
    "history.meeting": ("avtalte bilateralt møte {when}", "scheduled a bilateral meeting {when}"),
    "history.report_agreed": ("rapporterte enighet", "reported agreement"),
    "history.report_declined": ("rapporterte at det ikke ble enighet",
                                "reported no agreement"),
    "history.include": ("tok forslaget med i planen", "included it in the plan"),
    "history.exclude": ("tok ikke forslaget med", "did not include it"),
    "history.withdraw": ("trakk forslaget", "withdrew it"),
    "report.agreed": ("enighet", "agreed"),
    "report.declined": ("ikke enighet", "declined"),
    # --- public record and export (entries for the record go here) ---
    "record.site_name": ("Offentlig logg – OGP-handlingsplan", "Public record – OGP action plan"),
    "record.title": ("Innspill og begrunnede svar – {seminar}",
                     "Inputs and reasoned responses – {seminar}"),
    "record.heading": ("Innspill til handlingsplanen og begrunnede svar",
                       "Inputs to the action plan and reasoned responses"),
    "record.intro": (
        "Her er alle forslag til forpliktelser som er kommet inn: hvem som foreslo dem, hvilket "
        "departement som har ansvaret, hvor langt de har kommet og, når det er besluttet, "
        "begrunnelsen for om forslaget ble tatt med i handlingsplanen eller ikke.",
        "Every proposed commitment received: who proposed it, which ministry answers for it, "
        "how far it has come and, once decided, the reasoned response saying why it was or was "
        "not taken into the action plan."),
    "record.skip": ("Hopp til innholdet", "Skip to content"),
    "record.home": ("Alle innspill", "All inputs"),
    "record.tools": ("Sider og språk", "Pages and language"),
    "record.other_language": ("In English", "På norsk"),
    "record.filters": ("Filtrer innspillene", "Filter the inputs"),
    "record.filter_all": ("Alle", "All"),
    "record.filter_apply": ("Vis", "Show"),
    "record.filter_clear": ("Fjern filtrene", "Clear the filters"),
    "record.count": ("Viser {shown} av {total} forslag.", "Showing {shown} of {total} proposals."),
    "record.none": ("Ingen forslag er kommet inn ennå.", "No proposals have been received yet."),
    "record.none_match": ("Ingen forslag passer filteret.", "No proposal matches the filter."),
    "record.caption": ("Forslag til forpliktelser, med status og begrunnet svar",
                       "Proposed commitments, with status and reasoned response"),
    "record.col_number": ("Nr.", "No."),
    "record.col_title": ("Tittel", "Title"),
    "record.col_organization": ("Foreslått av", "Proposed by"),
    "record.undecided": ("Ikke besluttet ennå", "Not decided yet"),
    "record.included_no_reason": ("Tatt med i handlingsplanen.",
                                  "Taken into the action plan."),
    "record.withdrawn_note": ("Trukket før beslutning.", "Withdrawn before a decision."),
    "record.api": ("Dataene som JSON", "The data as JSON"),
    "record.api_one": ("Dette forslaget som JSON", "This proposal as JSON"),
    "record.generated": ("Oppdatert {when}.", "Updated {when}."),
    "record.back": ("Tilbake til alle innspill", "Back to all inputs"),
    "record.proposal_title": ("{ref}: {title} – innspill til handlingsplanen",
                              "{ref}: {title} – input to the action plan"),
    "record.submitted_at": ("Sendt inn", "Submitted"),
    "record.milestone_due": ("Frist", "Due"),
    "record.milestone_text": ("Milepæl", "Milestone"),
    "record.no_milestones": ("Ingen milepæler er oppgitt.", "No milestones were given."),
    "record.no_report": ("Departementet har ikke rapportert ennå.",
                         "The ministry has not reported yet."),
    "record.history_when": ("Når", "When"),
    "record.history_who": ("Hvem", "Who"),
    "record.history_what": ("Hva", "What"),
    "record.someone": ("en deltaker", "a participant"),
    "record.private_individual": ("privatperson", "private individual"),
    "record.error_heading": ("Det gikk ikke", "That did not work"),
    "record.not_found": ("Det finnes ikke noe forslag {ref}.", "There is no proposal {ref}."),
    "record.bad_filter": ("«{value}» er ikke en gyldig verdi for {name}. Velg fra listen, eller "
                          "fjern filteret.",
                          "“{value}” is not a valid {name}. Choose from the list, or clear the "
                          "filter."),
    "record.no_page": ("Den siden finnes ikke.", "That page does not exist."),
    "export.plan_title": ("Utkast til handlingsplan – {seminar}",
                          "Draft action plan – {seminar}"),
    "export.generated": (
        "Laget av ogpbot {when}. Først kommer forpliktelsene koordinatoren har tatt med, satt "
        "opp etter OGPs mal for forpliktelser; deretter alle innspill med begrunnet svar.",
        "Made by ogpbot {when}. First the commitments the coordinator has included, laid out "
        "as in OGP's commitment template; then every input with its reasoned response."),
    "export.commitments": ("Forpliktelser", "Commitments"),
    "export.no_commitments": ("Ingen forslag er tatt med i planen ennå.",
                              "No proposal has been included in the plan yet."),
    "export.lead_agency": ("Ansvarlig etat", "Lead implementing agency"),
    "export.period": ("Periode", "Period"),
    "export.problem": ("Problemet forpliktelsen skal løse", "The public problem it addresses"),
    "export.commitment": ("Forpliktelsen og resultatene den skal gi",
                          "The commitment and its expected results"),
    "export.how": ("Hvordan forpliktelsen bidrar til å løse problemet",
                   "How it helps solve the problem"),
    "export.how_missing": ("Fylles ut av ansvarlig etat.",
                           "To be completed by the lead implementing agency."),
    "export.relevance": ("Relevans for OGP-verdiene", "Relevance to OGP values"),
    "export.actors": ("Andre aktører", "Other actors involved"),
    "export.proposed_by": ("Foreslått av {org}", "Proposed by {org}"),
    "export.inputs": ("Innspill og begrunnede svar", "The record of inputs and reasoned responses"),
    "export.wrote": ("Skrev {count} forslag til {path}.", "Wrote {count} proposals to {path}."),
    # --- agenda -------------------------------------------------------------------------------
    "agenda.title": ("Dagsorden {date}", "Agenda {date}"),
    "agenda.item": ("{time} {title}", "{time} {title}"),
    "agenda.now": ("Nå: {time} {title}", "Now: {time} {title}"),
    "agenda.next": ("Neste: {time} {title}", "Next: {time} {title}"),
    "agenda.before": ("Seminaret er {when}.", "The seminar is on {when}."),
    "agenda.over": ("Seminaret er over. Takk for innsatsen!", "The seminar is over. Thank you!"),
    "agenda.marker_now": ("▶ ", "▶ "),
    # --- channel ------------------------------------------------------------------------------
    "channel.set": ("Denne samtalen får nå kunngjøringene fra dagsordenen.",
                    "This conversation now receives the agenda notices."),
    "channel.already": ("Denne samtalen får allerede kunngjøringene.",
                         "This conversation already receives the notices."),
    # --- tables -------------------------------------------------------------------------------
    "tables.none": ("Bordplanen er ikke laget ennå. Koordinatoren lager den med «tables assign».",
                    "There is no table plan yet. The coordinator makes it with “tables assign”."),
    "tables.title": ("Bordplan", "Table plan"),
    "tables.table": ("Bord {n} ({area}): {refs}", "Table {n} ({area}): {refs}"),
    "tables.people": ("Ved bordet: {names}", "At the table: {names}"),
    "tables.yours": ("Ditt bord: {n}", "Your table: {n}"),
    "tables.not_seated": ("Du er ikke satt ved noe bord.", "You are not seated at any table."),
    # --- table planning (entries for the table planner go here) ---
    "tables.nothing": (
        "Det er ingen forslag å diskutere ennå (alle er avgjort eller trukket), så ingen "
        "bordplan ble laget.",
        "There are no proposals to discuss yet (all are decided or withdrawn), so no table "
        "plan was made."),
    "tables.version": ("Bordplan, versjon {version}", "Table plan, version {version}"),
    "tables.made": (
        "{proposals} forslag og {people} personer er fordelt på {tables} bord.",
        "{proposals} proposals and {people} people are seated at {tables} tables."),
    "tables.moved_status": ("{count} forslag er nå «til diskusjon».",
                            "{count} proposals are now “in discussion”."),
    "tables.told_all": ("{count} personer får bordet sitt på direktemelding.",
                        "{count} people get their table by direct message."),
    "tables.told_moved": (
        "Planen er laget på nytt: bare de {count} som har fått nytt bord (eller er nye) får "
        "direktemelding; {moved} måtte flytte.",
        "The plan was made again: only the {count} people whose table changed (or who are "
        "new) get a direct message; {moved} had to move."),
    "tables.no_proposals": ("ingen forslag", "no proposals"),
    "tables.all_kept": ("Alle forslag har forslagsstilleren og departementet sitt ved bordet.",
                        "Every proposal has its proposer and its ministry at the table."),
    "tables.broken": ("Regler planen ikke klarer å holde:", "Rules this plan cannot keep:"),
    "tables.breach.proposer_away": ("{ref}: forslagsstilleren {name} sitter ikke ved bord {n}.",
                                    "{ref}: the proposer {name} is not at table {n}."),
    "tables.breach.ministry_away": ("{ref}: ingen fra {ministry} ved bord {n}.",
                                    "{ref}: nobody from {ministry} at table {n}."),
    "tables.breach.over_size": ("Bord {n} har {size} personer, flere enn {max}.",
                                "Table {n} has {size} people, more than {max}."),
    "tables.why": ("Hvorfor:", "Why:"),
    "tables.conflict.no_ministry_person": (
        "{refs}: ingen fra {ministry} er med på seminaret, så departementet kan ikke sitte "
        "ved bordet.",
        "{refs}: nobody from {ministry} takes part, so the ministry cannot be at the table."),
    "tables.conflict.too_many_people": (
        "{people} personer er med, men {tables} bord med plass til {max} gir bare {seats} "
        "plasser.",
        "{people} people take part, but {tables} tables of {max} seat only {seats}."),
    "tables.conflict.crowded": (
        "{refs} må sitte ved samme bord ({links}), og det bordet trenger {need} plasser; "
        "et bord har plass til {max}.",
        "{refs} must share one table ({links}), and that table needs {need} seats; a table "
        "holds {max}."),
    "tables.conflict.stretched": (
        "{refs} kan ikke alle få departementet sitt ved bordet: {ministries} har for få "
        "personer til bordene disse forslagene trenger med høyst {max} per bord.",
        "{refs} cannot all have their ministry at the table: {ministries} have too few "
        "people for the tables these proposals need with at most {max} per table."),
    "tables.conflict.packing": (
        "{refs} trenger flere bord enn det finnes: {tables} bord med høyst {max} per bord.",
        "{refs} need more tables than there are: {tables} tables of at most {max}."),
    "tables.link.proposer": ("{name} foreslo {refs}", "{name} proposed {refs}"),
    "tables.link.sole_member": (
        "{name} er den eneste fra {ministry} og trengs ved {refs}",
        "{name} is the only person from {ministry} and is needed at {refs}"),
    "tables.fix": ("Dette kan løse det: {fixes}.", "What would fix it: {fixes}."),
    "tables.or": ("eller", "or"),
    "tables.fix.representative": ("en representant til fra {ministries} på deltakerlista",
                                  "another representative of {ministries} on the roster"),
    "tables.fix.max_size": ("max_size på minst {size} under [tables]",
                            "max_size of at least {size} in [tables]"),
    "tables.fix.max_size_any": ("større max_size under [tables]",
                                "a larger max_size in [tables]"),
    "tables.fix.tables": ("minst {count} bord (count under [tables])",
                          "at least {count} tables (count in [tables])"),
    "tables.fix.tables_any": ("flere bord (count under [tables])",
                              "more tables (count in [tables])"),
    "tables.fix.second_round": ("en ny runde ved småbordene for noen av disse forslagene",
                                "a second round at the small tables for some of these "
                                "proposals"),
    "tables.dm_title": ("Ditt småbord: bord {n}", "Your small table: table {n}"),
    "tables.dm_moved": (
        "Bordplanen er endret: du sitter nå ved bord {n} (før: bord {old}).",
        "The table plan has changed: you now sit at table {n} (before: table {old})."),
    "tables.dm_area": ("Område: {area}", "Area: {area}"),
    "tables.dm_proposals": ("Forslag ved bordet: {refs}", "Proposals at the table: {refs}"),
    "tables.dm_with": ("Ved bordet: {names}", "At the table: {names}"),
    "tables.dm_hint": ("Skriv «tables» for hele planen.", "Type “tables” for the whole plan."),
    "tables.proposal": ("{ref} {title}", "{ref} {title}"),
    # --- outcome, meet, report, decide, withdraw ----------------------------------------------
    "outcome.agreed": ("{ref} er satt til «enighet». Neste steg: «report {ref} agreed TEKST».",
                       "{ref} is now “agreed”. Next: “report {ref} agreed TEXT”."),
    "outcome.bilateral": ("{ref} går videre til et bilateralt møte. Neste steg: "
                          "«meet {ref} ÅÅÅÅ-MM-DD TT:MM [STED]».",
                          "{ref} goes on to a bilateral meeting. Next: "
                          "“meet {ref} YYYY-MM-DD HH:MM [PLACE]”."),
    "meet.done": ("Bilateralt møte om {ref} er avtalt {when}{place}.",
                  "Bilateral meeting on {ref} scheduled for {when}{place}."),
    "meet.moved": ("Møtet om {ref} er flyttet til {when}{place}.",
                   "The meeting on {ref} has moved to {when}{place}."),
    "meet.place": (", {place}", ", {place}"),
    "meet.told": ("{names} får beskjed.", "{names} will be told."),
    "meet.notice_title": ("Bilateralt møte om {ref}: {title}",
                          "Bilateral meeting on {ref}: {title}"),
    "meet.notice_when": ("Tid: {when}", "When: {when}"),
    "meet.notice_where": ("Sted: {place}", "Where: {place}"),
    "meet.notice_with": ("Med: {who}", "With: {who}"),
    "meet.no_place": ("ikke oppgitt", "not given"),
    "meetings.none": ("Du har ingen bilaterale møter.", "You have no bilateral meetings."),
    "meetings.title": ("Dine bilaterale møter", "Your bilateral meetings"),
    "meetings.line": ("{when} – {ref} {title} – med {who}{place}",
                      "{when} – {ref} {title} – with {who}{place}"),
    "report.done": ("Rapporten om {ref} ({result}) er sendt til koordinatoren.",
                    "The report on {ref} ({result}) has been sent to the coordinator."),
    "report.notice_title": ("Rapport om {ref}: {result}", "Report on {ref}: {result}"),
    "decide.include_button": ("Ta med i planen", "Include in the plan"),
    "decide.include": ("{ref} er tatt med i handlingsplanen.", "{ref} is included in the plan."),
    "decide.exclude": ("{ref} er ikke tatt med. Begrunnelsen publiseres: {reason}",
                       "{ref} is not included. The reason is published: {reason}"),
    "decide.notice_title": ("Beslutning om {ref}: {result}", "Decision on {ref}: {result}"),
    "withdraw.done": ("{ref} er trukket.", "{ref} has been withdrawn."),
    # --- notices ------------------------------------------------------------------------------
    "notice.reason": ("Begrunnelse: {reason}", "Reason: {reason}"),
    "notice.text": ("Tekst: {text}", "Text: {text}"),
    "notice.status_hint": ("Skriv «status {ref}» for detaljer.",
                           "Type “status {ref}” for details."),
}

_WEEKDAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def language_of(locale: str | None) -> str | None:
    """`"nb-NO"`, `"nn_NO"`, `"no"` -> "nb"; `"en-GB"` -> "en"; anything else -> None."""
    if not locale:
        return None
    head = locale.replace("_", "-").split("-")[0].lower()
    if head in ("nb", "nn", "no"):
        return "nb"
    if head == "en":
        return "en"
    return None


def t(language: str, key: str, **values: object) -> str:
    """The sentence `key` in `language`, with `values` filled in."""
    nb, en = CATALOGUE[key]
    template = en if language == "en" else nb
    return template.format(**values) if values else template


def format_date(when: datetime, language: str) -> str:
    """`tirsdag 1. desember` / `Tuesday 1 December`."""
    day, month = _WEEKDAYS[language][when.weekday()], _MONTHS[language][when.month - 1]
    if language == "en":
        return f"{day} {when.day} {month}"
    return f"{day} {when.day}. {month}"


def format_time(when: datetime, seconds: bool = True) -> str:
    """`10:00`, or `10:00:30` when the seconds matter and are asked for."""
    return when.strftime("%H:%M:%S" if seconds and when.second else "%H:%M")


def format_when(when: datetime, language: str, tz: ZoneInfo, seconds: bool = True) -> str:
    """`tirsdag 1. desember kl. 10:00` / `Tuesday 1 December at 10:00`, in the seminar's zone."""
    local = when.astimezone(tz)
    joiner = "at" if language == "en" else "kl."
    return f"{format_date(local, language)} {joiner} {format_time(local, seconds)}"
