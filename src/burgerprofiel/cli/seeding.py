"""Realistic Flemish test data for ``burgerprofiel seed``: people, addresses, INSZ numbers, dossiers.

Design note. Everything here is made up from a few public facts: common Flemish given and family
names, common street names, and municipalities with their postcodes. No generated person exists;
an INSZ number is only made to be valid (its check digits computed as the national register
computes them, DESIGN "INSZ") and every one is checked by the citizens app's own validator before it
is stored. A seeded run is reproducible: the same ``--random-seed`` gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from burgerprofiel.dossiers.models import Phase
from burgerprofiel.dossiers.services import SeedDossier, SeedStatus

GIVEN_NAMES = (
    "Lucas", "Louis", "Noah", "Arthur", "Jules", "Liam", "Mats", "Finn", "Lars", "Vic", "Wout", "Stijn",
    "Pieter", "Jan", "Dirk", "Marc", "Luc", "Koen", "Bart", "Tom", "Wim", "Geert", "Jef", "Rik",
    "Olivia", "Emma", "Marie", "Louise", "Elena", "Mila", "Noor", "Lotte", "Fien", "Lien", "Hanne", "Ine",
    "An", "Els", "Katrien", "Sofie", "Annelies", "Griet", "Hilde", "Martine", "Nathalie", "Leen", "Veerle", "Mieke",
)  # fmt: skip
FAMILY_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Hermans", "Aerts", "Lambrechts", "Martens", "Dumont", "Pauwels", "Vermeulen", "Van den Broeck",
    "Cools", "Verhoeven", "Michiels", "Desmet", "Van Damme", "Smets", "Coppens", "Declercq", "Van de Velde",
    "Vandenberghe", "Verstraete", "Wuyts", "Segers", "Vermeersch", "De Backer", "Bogaert", "Van Dyck",
)  # fmt: skip
STREETS = (
    "Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Nieuwstraat", "Schoolstraat", "Kapelstraat",
    "Hoogstraat", "Veldstraat", "Kouter", "Meir", "Grote Markt", "Lindenlaan", "Beukenlaan", "Kastanjelaan",
    "Boomgaardstraat", "Processiestraat", "Bosstraat", "Heirweg", "Steenweg op Gent", "Leuvensesteenweg",
)  # fmt: skip
# (postcode, municipality): Flemish municipalities and their main postcodes.
MUNICIPALITIES = (
    ("1000", "Brussel"), ("2000", "Antwerpen"), ("2018", "Antwerpen"), ("2800", "Mechelen"), ("2300", "Turnhout"),
    ("2500", "Lier"), ("3000", "Leuven"), ("3500", "Hasselt"), ("3600", "Genk"), ("3800", "Sint-Truiden"),
    ("8000", "Brugge"), ("8400", "Oostende"), ("8500", "Kortrijk"), ("8800", "Roeselare"), ("8900", "Ieper"),
    ("9000", "Gent"), ("9100", "Sint-Niklaas"), ("9200", "Dendermonde"), ("9300", "Aalst"), ("9700", "Oudenaarde"),
    ("1800", "Vilvoorde"), ("1500", "Halle"), ("3300", "Tienen"), ("2200", "Herentals"), ("2400", "Mol"),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    insz: str
    given_name: str
    family_name: str
    street: str
    number: int
    postcode: str
    municipality: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def address(self) -> str:
        return f"{self.street} {self.number}, {self.postcode} {self.municipality}"


def insz_make(*, born: dt.date, serial: int, bis: int = 0) -> str:
    """An INSZ for a birth date and a daily serial (1-997): the check digits are 97 minus the first
    nine digits mod 97, with a 2 before them for births from 2000 on. ``bis`` (0, 20 or 40) is added to
    the month for a BIS number (20: sex unknown, 40: known)."""
    if not 1 <= serial <= 997 or bis not in (0, 20, 40):
        raise ValueError("serial 1-997, bis 0, 20 or 40")
    first_nine = f"{born.year % 100:02d}{born.month + bis:02d}{born.day:02d}{serial:03d}"
    checked = int(("2" if born.year >= 2000 else "") + first_nine)
    return f"{first_nine}{97 - checked % 97:02d}"


class People:
    """Made-up people, each with a different INSZ: about a quarter born from 2000 on, one in twenty a
    BIS number (month + 20 or + 40)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def __iter__(self) -> Iterator[Person]:
        return self

    def __next__(self) -> Person:
        rng = self.rng
        while True:
            year = rng.randint(2000, 2012) if rng.random() < 0.25 else rng.randint(1935, 1999)
            born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            bis = rng.choice((20, 40)) if rng.random() < 0.05 else 0
            insz = insz_make(born=born, serial=rng.randint(1, 997), bis=bis)
            if insz not in self.seen:
                break
        self.seen.add(insz)
        postcode, municipality = rng.choice(MUNICIPALITIES)
        return Person(
            insz=insz,
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            street=rng.choice(STREETS),
            number=rng.randint(1, 250),
            postcode=postcode,
            municipality=municipality,
        )


# (name template, type code, IPDC product, service, the codes of its steps through the phases)
KINDS = (
    ("Omgevingsvergunning: verbouwen van een woning, {address}", "OMV", "1234", "Dienst Omgeving",
     ("Ingediend", "Volledig en ontvankelijk", "Openbaar onderzoek", "Vergund", "Afgerond")),
    ("Renovatiepremie voor {address}", "PREMIE", "3081", "Woonloket",
     ("Ontvangen", "In behandeling", "Premie toegekend", "Uitbetaald")),
    ("Groeipakket voor {given_name}", "GROEI", "1582", "Uitbetaling Groeipakket",
     ("Aanvraag ontvangen", "Gegevens gecontroleerd", "Toegekend")),
    ("Studietoelage {year}-{next_year}", "STUDIE", "1601", "Afdeling Studietoelagen",
     ("Aanvraag ontvangen", "In behandeling", "Toegekend", "Uitbetaald")),
    ("Bewonerskaart parkeren, {municipality}", "PARKEER", "2044", "Dienst Mobiliteit",
     ("Aanvraag ontvangen", "Goedgekeurd", "Kaart verstuurd")),
    ("Huurpremie voor {address}", "HUUR", "3090", "Woonloket",
     ("Ontvangen", "Wachten op huurcontract", "In behandeling", "Afgewezen")),
)  # fmt: skip
PHASES = (Phase.SAMENSTELLING, Phase.BEHANDELING, Phase.BESLISSING, Phase.UITVOERING, Phase.AFGEROND)


def dossiers_for(
    person: Person, *, count: int, owners: list[str], numbers: Iterator[str], rng: random.Random
) -> list[SeedDossier]:
    """``count`` dossiers of ``person`` (owned by the INSZ blind indexes ``owners``), each with a
    history of one or more steps a month or so apart, the newest within the last two years."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    made = []
    for _ in range(count):
        template, type_code, product, service, codes = rng.choice(KINDS)
        steps = rng.randint(1, len(codes))
        start = now - dt.timedelta(days=rng.randint(30 * steps, 730), seconds=rng.randint(0, 86_399))
        statuses = []
        for i in range(steps):
            last = i == steps - 1
            finished = last and steps == len(codes)
            phase = Phase.AFGEROND if finished else PHASES[min(i, len(PHASES) - 2)]
            action = last and not finished and rng.random() < 0.15
            statuses.append(
                SeedStatus(
                    phase=phase,
                    code=codes[i],
                    modified_at=start + dt.timedelta(days=25 * i, hours=i),
                    detail=f"{codes[i]} op {(start + dt.timedelta(days=25 * i)):%d/%m/%Y}.",
                    action_needed=action,
                    action_text="Bezorg ons de ontbrekende documenten via het loket." if action else "",
                )
            )
        _, municipality = rng.choice(MUNICIPALITIES)
        manager_given, manager_family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        made.append(
            SeedDossier(
                number=next(numbers),
                name=template.format(
                    address=person.address,
                    given_name=person.given_name,
                    municipality=person.municipality,
                    year=start.year,
                    next_year=start.year + 1,
                ),
                owners=owners,
                statuses=statuses,
                type_code=type_code,
                ipdc_product=product,
                manager={
                    "Naam": f"{manager_given} {manager_family}",
                    "Dienst": service,
                    "Telefoon": f"0{rng.randint(2, 9)} {rng.randint(200, 899)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)}",
                    "Email": f"{service.split()[-1].lower()}@{municipality.lower().replace(' ', '')}.be",
                    "Adres": {"Straat": "Markt", "Nummer": "1", "Postcode": person.postcode, "Gemeente": municipality},
                },
            )
        )
    return made
