"""A realistic data set a newcomer can click through, built relative to today.

Idempotent: people, teams and changes are looked up by their natural keys
(username, slug, title) and only created when missing.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bulletin.digest.compiling import digest_compile
from bulletin.digest.models import Digest, DigestRead
from bulletin.texts.flags import flags_rescan_all
from bulletin.texts.importing import support_texts_import
from bulletin.texts.models import Flag, SupportText
from bulletin.weeks import week_label
from changes import services as change_services
from changes.members import member_add
from changes.models import Change, State, Team

DEMO_PASSWORD = "bulletin-demo"

TEAMS = [("einkauf", "Einkauf"), ("logistik", "Logistik"), ("produkt", "Produkt"), ("support", "Support")]
SUPPORT_TEAMS = {"support"}  # its lead (sven) may import the help desk's texts

PEOPLE = [
    # username, team, role, full name
    ("anna", "einkauf", "lead", "Anna Berger"),
    ("lars", "logistik", "lead", "Lars Hoffmann"),
    ("petra", "produkt", "lead", "Petra Neumann"),
    ("sven", "support", "lead", "Sven Krüger"),
    ("mia", "support", "agent", "Mia Schulz"),
    ("tom", "support", "agent", "Tom Fischer"),
]


@dataclass
class DemoChange:
    title: str
    team: str
    category: str
    severity: str
    starts: int  # days from the Monday of this week
    ends: int | None
    channels: list[str]
    customer_impact: str
    support_guidance: str
    facts: list[tuple[str, str]]
    tags: list[str]
    status: str = "published"
    notice: int = 14  # days between publishing and the start


CHANGES = [
    DemoChange(
        "Neuer Lieferant für Gartenmöbel: längere Lieferzeit",
        "einkauf", "delivery_time", "high", 2, None, ["email", "chat", "phone", "bot"],
        "Gartenmöbel kommen ab jetzt vom neuen Lieferanten **Holzwerk Süd**. "
        "Die Lieferzeit steigt von 5–7 auf **10–14 Werktage**.",
        "Offen sagen, dass die Lieferzeit länger ist, und auf die Lagerware im Outlet hinweisen. "
        "Keine Expresslieferung zusagen: die ist für diese Artikel nicht möglich.",
        [("5–7 Werktage", "10–14 Werktage"), ("5-7 business days", "10-14 business days")],
        ["gartenmöbel", "lieferant"],
        notice=3,
    ),
    DemoChange(
        "Rücksendungen nur noch mit Etikett aus dem Kundenkonto",
        "logistik", "returns", "medium", 0, None, ["email", "chat", "app"],
        "Kundinnen und Kunden drucken das Rücksendeetikett selbst im Kundenkonto aus; "
        "dem Paket liegt keins mehr bei.",
        "Den Weg beschreiben: *Mein Konto → Bestellungen → Rücksendung*. Wer keinen Drucker hat, "
        "bekommt einen QR-Code für die Packstation.",
        [("Rücksendeetikett liegt dem Paket bei", "Rücksendeetikett im Kundenkonto")],
        ["retoure"],
    ),
    DemoChange(
        "Black-Week-Preise für Sofas",
        "produkt", "pricing", "low", 4, 10, ["email", "social", "app"],
        "Alle Sofas sind 20 % günstiger. Der Rabatt gilt nicht rückwirkend.",
        "Bei Fragen nach rückwirkender Erstattung freundlich ablehnen und auf die Preisgarantie "
        "(nur 14 Tage, nur bei Preissenkung durch uns) hinweisen.",
        [],
        ["black-week", "sofa"],
    ),
    DemoChange(
        "PayPal-Ratenzahlung entfällt",
        "einkauf", "payment", "medium", 7, None, ["email", "chat", "phone"],
        "Beim Bezahlen wird „PayPal Ratenzahlung“ nicht mehr angeboten. Ratenkauf geht weiter über Klarna.",
        "Auf Klarna verweisen; bestehende Ratenzahlungen laufen unverändert weiter.",
        [("Ratenzahlung über PayPal", "Ratenzahlung über Klarna")],
        ["zahlung"],
    ),
    DemoChange(
        "Chatbot beantwortet Lieferstatus selbst",
        "produkt", "automation", "low", 9, None, ["bot", "chat"],
        "Der Chatbot nennt den Lieferstatus direkt, ohne Weiterleitung an einen Menschen.",
        "Wenn der Bot einen falschen Status nennt, bitte die Sendungsnummer im Ticket vermerken.",
        [],
        ["chatbot"],
    ),
    DemoChange(
        "Versandkostenfrei erst ab 79 €",
        "logistik", "pricing", "high", 14, None, ["email", "chat", "phone", "bot", "app"],
        "Die Grenze für kostenlosen Versand steigt von 50 € auf **79 €**.",
        "Begründung: gestiegene Versandkosten. Bestellungen vor dem Stichtag gelten zu alten Bedingungen.",
        [
            ("ab 50 € versandkostenfrei", "ab 79 € versandkostenfrei"),
            ("free shipping over €50", "free shipping over €79"),
        ],
        ["versand"],
        notice=10,
    ),
    DemoChange(
        "Lampe „Aurora“ ausverkauft bis Januar",
        "einkauf", "availability", "medium", -3, 20, ["email", "chat", "phone"],
        "Die Stehlampe Aurora ist bis Mitte Januar nicht lieferbar.",
        "Alternative: Modell *Borealis*. Vormerken ist im Shop möglich.",
        [("Aurora sofort lieferbar", "Aurora ab Mitte Januar lieferbar")],
        ["lampe"],
    ),
    DemoChange(
        "Neue Hotline-Zeiten",
        "support", "other", "medium", -10, None, ["phone"],
        "Die Hotline ist montags bis freitags von 8 bis 20 Uhr erreichbar, samstags nicht mehr.",
        "Samstags auf Chat und E-Mail verweisen.",
        [("Mo–Sa 8–20 Uhr", "Mo–Fr 8–20 Uhr")],
        ["hotline"],
    ),
    DemoChange(
        "Herbstaktion Kissen beendet",
        "produkt", "pricing", "low", -21, -2, ["email", "social"],
        "Der Kissen-Rabatt ist vorbei.",
        "Nach Aktionsende keine Nachbuchung des Rabatts.",
        [],
        ["aktion"],
    ),
    DemoChange(
        "Speditionslieferung mit Zeitfenster",
        "logistik", "delivery_time", "medium", 3, 6, ["email", "phone"],
        "Große Möbel kommen in dieser Woche mit einem 2-Stunden-Zeitfenster, das per SMS angekündigt wird.",
        "Zeitfenster lassen sich per Link in der SMS verschieben.",
        [],
        ["spedition"],
    ),
    DemoChange(
        "Kauf auf Rechnung nur bis 1.000 €",
        "einkauf", "payment", "high", 5, None, ["email", "chat", "phone"],
        "Kauf auf Rechnung ist nur noch bis 1.000 € Warenwert möglich.",
        "Für höhere Beträge Vorkasse oder Ratenkauf anbieten.",
        [("Kauf auf Rechnung bis 3.000 €", "Kauf auf Rechnung bis 1.000 €")],
        ["rechnung"],
        status="withdrawn",
    ),
    DemoChange(
        "Neue Pflegehinweise für Massivholztische (Entwurf)",
        "produkt", "product", "low", 16, None, ["email"],
        "",
        "",
        [("jährlich ölen", "halbjährlich ölen")],
        ["pflege"],
        status="draft",
    ),
]


# Macros and FAQ entries as a help desk would export them. Several still state the
# old facts of the demo changes, in the spellings people really type.
SUPPORT_TEXTS = [
    # external_id, kind, language, owner team, title, body, tags
    ("m-101", "macro", "de", "support", "Lieferzeit Gartenmöbel",
     "Hallo {{name}},\n\nvielen Dank für Ihre Bestellung! Gartenmöbel liefern wir innerhalb von 5-7 Werktagen "
     "direkt zu Ihnen nach Hause. Sie erhalten eine Versandbestätigung per E-Mail.\n\nViele Grüße\nIhr Kundenservice",
     ["lieferung", "gartenmöbel"]),
    ("m-102", "macro", "de", "support", "Wo bleibt meine Bestellung?",
     "Hallo {{name}},\n\nIhre Bestellung ist unterwegs. Die Lieferzeit beträgt in der Regel 5 – 7 Werktage. "
     "Den aktuellen Status sehen Sie unter Mein Konto → Bestellungen.\n\nBeste Grüße",
     ["lieferung"]),
    ("m-103", "macro", "en", "support", "Delivery time (EN)",
     "Hi {{name}},\n\nthanks for your order. Garden furniture usually arrives within 5–7 business days. "
     "We will e-mail you the tracking link as soon as it ships.\n\nBest regards",
     ["delivery"]),
    ("f-201", "faq", "de", "support", "Wie lange dauert die Lieferung?",
     "<h2>Lieferzeiten</h2><p>Lagerware versenden wir am nächsten Werktag. Gartenmöbel sind in "
     "<strong>5&ndash;7&nbsp;Werktagen</strong> bei Ihnen.</p><p>Speditionsware kündigen wir per SMS an.</p>",
     ["lieferung", "faq"]),
    ("m-104", "macro", "de", "support", "Expresslieferung nicht möglich",
     "Hallo {{name}},\n\neine Expresslieferung ist für diesen Artikel leider nicht möglich. "
     "Wir melden uns, sobald die Ware unser Lager verlässt.\n\nViele Grüße",
     ["lieferung"]),
    ("m-105", "macro", "de", "support", "Lieferzeit Sofas",
     "Hallo {{name}},\n\nSofas fertigt unser Partner auf Bestellung; die Lieferzeit beträgt 6–8 Wochen ab "
     "Stoffwahl. Kissen und Kleinteile kommen in 2–3 Werktagen.\n\nViele Grüße",
     ["lieferung", "sofa"]),
    ("m-106", "macro", "de", "support", "Rücksendung anmelden",
     "Hallo {{name}},\n\nschade, dass der Artikel nicht passt. Das Rücksendeetikett liegt dem Paket bei; "
     "kleben Sie es einfach auf den Karton und geben Sie ihn bei DHL ab.\n\nViele Grüße",
     ["retoure"]),
    ("f-202", "faq", "de", "support", "Wie sende ich einen Artikel zurück?",
     "Sie haben 30 Tage Rückgaberecht. Melden Sie die Rücksendung in Ihrem Kundenkonto an und drucken Sie dort "
     "das Rücksendeetikett aus.",
     ["retoure", "faq"]),
    ("f-203", "faq", "de", "support", "Welche Zahlungsarten gibt es?",
     "Sie können per Kreditkarte, PayPal, Vorkasse, Kauf auf Rechnung oder mit Ratenzahlung über PayPal bezahlen.",
     ["zahlung", "faq"]),
    ("m-107", "macro", "de", "support", "Ratenkauf",
     "Hallo {{name}},\n\nfür größere Anschaffungen bieten wir Ratenzahlung über Klarna an. "
     "Die Konditionen sehen Sie an der Kasse.\n\nViele Grüße",
     ["zahlung"]),
    ("f-204", "faq", "de", "support", "Was kostet der Versand?",
     "Innerhalb Deutschlands liefern wir ab 50 € versandkostenfrei. Darunter berechnen wir 4,95 €.",
     ["versand", "faq"]),
    ("f-205", "faq", "en", "support", "Shipping costs",
     "We offer free shipping over €50 within Germany; below that, shipping costs €4.95.",
     ["shipping", "faq"]),
    ("m-108", "macro", "de", "support", "Versandkosten Großmöbel",
     "Hallo {{name}},\n\nfür Speditionsware berechnen wir pauschal 49 € Versand, unabhängig vom Warenwert.\n\n"
     "Viele Grüße",
     ["versand"]),
    ("m-109", "macro", "de", "support", "Aurora verfügbar",
     "Hallo {{name}},\n\ngute Nachricht: Stehlampe Aurora sofort lieferbar – bestellen Sie einfach im Shop.",
     ["lampe"]),
    ("f-206", "faq", "de", "support", "Wann ist die Hotline erreichbar?",
     "Unsere Hotline erreichen Sie Mo - Sa 8 - 20 Uhr unter 0800 123 456 (kostenfrei).",
     ["hotline", "faq"]),
    ("f-207", "faq", "en", "support", "Opening hours",
     "Our phone line is open Monday to Friday, 8 am to 8 pm (CET). Chat and e-mail are available around the clock.",
     ["hotline"]),
    ("m-110", "macro", "de", "support", "Rechnungskauf Limit",
     "Hallo {{name}},\n\nKauf auf Rechnung bis 3.000 € ist nach kurzer Bonitätsprüfung möglich.\n\nViele Grüße",
     ["rechnung"]),
    ("f-208", "faq", "de", "support", "Wie pflege ich meinen Massivholztisch?",
     "Massivholz mögen es natürlich: jährlich ölen, Flecken sofort abwischen und keine heißen Töpfe abstellen.",
     ["pflege", "faq"]),
]

# The texts above that state "5–7 Werktage" in one of its spellings (the worker test checks exactly these).
SUPPORT_TEXTS_SAYING_5_7_WERKTAGE = {"m-101", "m-102", "f-201"}


@dataclass
class DemoResult:
    created_people: int
    created_changes: int
    created_texts: int = 0


@transaction.atomic
def demo_seed() -> DemoResult:
    """Create the demo teams, people and changes that are missing. Idempotent."""
    team_names = dict(TEAMS)
    created_people = 0
    for username, team_slug, role, full_name in PEOPLE:
        result = member_add(
            username=username,
            team_slug=team_slug,
            role=role,
            email=f"{username}@example.com",
            team_name=team_names[team_slug],
            password=DEMO_PASSWORD,
        )
        if any(line.startswith("Created user") for line in result.done):
            first, last = full_name.split(" ", 1)
            get_user_model().objects.filter(pk=result.user.pk).update(first_name=first, last_name=last)
            created_people += 1

    User = get_user_model()
    leads = {team: User.objects.get(username=username) for username, team, role, _ in PEOPLE if role == "lead"}
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    created_changes = 0
    for item in CHANGES:
        if Change.objects.filter(title=item.title, team__slug=item.team).exists():
            continue
        author = leads[item.team]
        starts = monday + datetime.timedelta(days=item.starts)
        change = change_services.change_create(
            user=author,
            data={
                "title": item.title,
                "team": author.memberships.get(team__slug=item.team).team,
                "category": item.category,
                "severity": item.severity,
                "effective_from": starts,
                "effective_until": monday + datetime.timedelta(days=item.ends) if item.ends is not None else None,
                "channels": item.channels,
                "tags": item.tags,
                "customer_impact": item.customer_impact,
                "support_guidance": item.support_guidance,
            },
            facts=item.facts,
        )
        if item.status != "draft":
            change_services.change_publish(change=change, user=author)
            # Backdate the announcement so notice days look like real life.
            announced = timezone.make_aware(
                datetime.datetime.combine(starts - datetime.timedelta(days=item.notice), datetime.time(9))
            )
            Change.objects.filter(pk=change.pk).update(published_at=min(announced, timezone.now()))
        if item.status == "withdrawn":
            change_services.change_withdraw(change=change, user=author)
        created_changes += 1
    Team.objects.filter(slug__in=SUPPORT_TEAMS, handles_support=False).update(handles_support=True)
    created_texts = demo_support_texts_seed()
    created_changes += demo_history_seed(monday=monday, leads=leads)
    demo_handovers_confirm(leads["support"])
    # Synchronous, so the demo shows flags even before a worker has run.
    flags_rescan_all()
    demo_this_week_digest(monday)
    return DemoResult(created_people=created_people, created_changes=created_changes, created_texts=created_texts)


# Twelve weeks of history, so that every KPI has something to show: two changes a week, alternating teams, with
# the notice given (days), whether and when support confirmed the handover (days after publishing), and how long
# each of their two texts took to fix (days after publishing; the change takes effect `notice` days after it).
HISTORY_TITLES = [
    ("einkauf", "Neue Verpackung für Kissen"), ("logistik", "Paketshop-Abholung verlängert"),
    ("produkt", "Größentabelle für Hosen überarbeitet"), ("einkauf", "Lieferant für Lampen gewechselt"),
    ("logistik", "Samstagszustellung in Bayern"), ("produkt", "Pflegehinweise für Leinen"),
    ("einkauf", "Teppiche nur noch in zwei Größen"), ("logistik", "Retourenlabel per QR-Code"),
    ("produkt", "Neue Farbe für Sofa Nordby"), ("einkauf", "Preisanpassung für Kerzen"),
    ("logistik", "Speditionstermin per SMS"), ("produkt", "Garantie auf Matratzen verlängert"),
]
HISTORY_NOTICE = [14, 10, 3, 21, 7, 5, 12, 2, 9, 15, 6, 11]
HISTORY_CONFIRMED = [1, 2, 4, None, 3, 6, 1, 3, 2, None, 1, 5]
HISTORY_FIXES = [(2, 5), (4, 12), (1, 13), (9, 3), (2, 8), (3, 7), (5, 15), (1, 16), (6, 11), (2, 4), (3, 9), (8, 2)]


def demo_history_seed(*, monday: datetime.date, leads: dict) -> int:
    """Ended changes of the last twelve weeks with their handovers, fixed texts and digests read. Idempotent."""
    created = 0
    for weeks_ago in range(12, 0, -1):
        week_monday = monday - datetime.timedelta(weeks=weeks_ago)
        for slot in range(2):
            index = (weeks_ago * 2 + slot) % len(HISTORY_TITLES)
            team_slug, title = HISTORY_TITLES[index]
            title = f"{title} (KW {week_monday.isocalendar().week})"
            if Change.objects.filter(title=title).exists():
                continue
            created += 1
            _history_change(
                title=title, author=leads[team_slug], team_slug=team_slug, index=index,
                starts=week_monday + datetime.timedelta(days=slot * 2 + 1), support_lead=leads["support"],
            )  # fmt: skip
    for weeks_ago in range(12, 0, -1):
        _history_digest(monday - datetime.timedelta(weeks=weeks_ago), weeks_ago)
    return created


def demo_this_week_digest(monday: datetime.date) -> None:
    """This week's digest, compiled as beat does on Monday morning and marked sent (the demo has no Monday
    behind it), so its page and addenda work at once. Last, after the flags: they are in it."""
    this_week = digest_compile(week=week_label(monday)).digest
    Digest.objects.filter(pk=this_week.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def _history_change(*, title, author, team_slug, index, starts, support_lead) -> None:
    notice = HISTORY_NOTICE[index]
    change = change_services.change_create(
        user=author,
        data={
            "title": title, "team": author.memberships.get(team__slug=team_slug).team, "category": "product",
            "severity": ("low", "medium", "high")[index % 3], "effective_from": starts,
            "effective_until": starts + datetime.timedelta(days=5), "channels": ["email", "chat"], "tags": [],
            "customer_impact": "Kunden merken eine kleine Änderung.", "support_guidance": "Freundlich erklären.",
        },  # fmt: skip
        facts=[(f"{title}: alte Angabe A", "neue Angabe A"), (f"{title}: alte Angabe B", "neue Angabe B")],
    )
    change_services.change_publish(change=change, user=author)
    published = timezone.make_aware(datetime.datetime.combine(starts, datetime.time(10))) - datetime.timedelta(
        days=notice
    )
    confirmed = HISTORY_CONFIRMED[index]
    Change.objects.filter(pk=change.pk).update(
        published_at=published,
        acknowledged_at=published + datetime.timedelta(days=confirmed) if confirmed is not None else None,
        acknowledged_by=support_lead if confirmed is not None else None,
    )
    texts = list(SupportText.objects.filter(source="demo").order_by("pk")[index % 5 : index % 5 + 2])
    for text, fact, fix_days in zip(texts, change.fact_changes.all(), HISTORY_FIXES[index], strict=False):
        flag = Flag.objects.create(
            support_text=text, change=change, fact_change=fact, old_text=fact.old_text, new_text=fact.new_text,
            status=Flag.Status.RESOLVED, due=starts,
        )  # fmt: skip
        opened = published + datetime.timedelta(hours=1)
        Flag.objects.filter(pk=flag.pk).update(
            created_at=opened, resolved_at=opened + datetime.timedelta(days=fix_days)
        )


def _history_digest(monday: datetime.date, weeks_ago: int) -> None:
    digest = digest_compile(week=week_label(monday)).digest
    compiled = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(6)))
    Digest.objects.filter(pk=digest.pk).update(compiled_at=compiled, sent_at=compiled)
    agents = get_user_model().objects.filter(username__in=["mia", "tom"]).order_by("username")
    for position, agent in enumerate(agents):
        if (weeks_ago + position) % 4 == 0:
            continue  # that week this agent never opened it
        # Mostly before the first calls; every third week one of them only got to it at 10:30.
        hour = datetime.time(10, 30) if (weeks_ago + position) % 3 == 0 else datetime.time(8, 15 + 10 * position)
        read, created = DigestRead.objects.get_or_create(digest=digest, user=agent)
        if created:
            at = timezone.make_aware(datetime.datetime.combine(monday, hour))
            DigestRead.objects.filter(pk=read.pk).update(read_at=at)


def demo_handovers_confirm(support_lead) -> None:
    """Support has confirmed about half of this week's demo changes, as in a working week."""
    for position, item in enumerate(CHANGES):
        if position % 2:
            continue
        change = Change.objects.filter(title=item.title, status=Change.Status.PUBLISHED, acknowledged_at=None).first()
        if change is not None and change.state in (State.PLANNED, State.IN_EFFECT):
            change_services.change_acknowledge(change=change, user=support_lead, note="Makros geprüft, Team informiert")


def demo_support_texts_seed() -> int:
    """Import the demo macros and FAQ entries (source "demo"); returns how many were created. Idempotent."""
    rows = [
        (index, {"external_id": ext, "kind": kind, "language": language, "owner_team": team, "title": title,
                 "body": body, "tags": tags, "url": f"https://help.example.com/{ext}"})
        for index, (ext, kind, language, team, title, body, tags) in enumerate(SUPPORT_TEXTS, start=1)
    ]
    result = support_texts_import(rows=rows, source="demo")
    if result.rejected:  # pragma: no cover - the demo data is fixed
        raise ValueError(f"Demo support texts rejected: {result.rejected}")
    return result.created
