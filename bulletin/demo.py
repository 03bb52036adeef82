"""A realistic data set a newcomer can click through, built relative to today.

Idempotent: people, teams and changes are looked up by their natural keys
(username, slug, title) and only created when missing.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from changes import services as change_services
from changes.members import member_add
from changes.models import Change

DEMO_PASSWORD = "bulletin-demo"

TEAMS = [("einkauf", "Einkauf"), ("logistik", "Logistik"), ("produkt", "Produkt"), ("support", "Support")]

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
        [("ab 50 € versandkostenfrei", "ab 79 € versandkostenfrei"), ("free shipping over €50", "free shipping over €79")],
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


@dataclass
class DemoResult:
    created_people: int
    created_changes: int


@transaction.atomic
def demo_seed() -> DemoResult:
    """Create the demo teams, people and changes that are missing. Idempotent."""
    from django.contrib.auth import get_user_model

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
    return DemoResult(created_people=created_people, created_changes=created_changes)
