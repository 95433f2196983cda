"""``burgerprofiel seed --citizens N --dossiers-per-citizen M``: realistic test data in bulk (never in production).

Citizens are made by the citizens app (``citizens_create_many``: INSZ checked by its validator, blind
index, INSZ sealed with a data key per citizen), dossiers by the dossiers app (``dossiers_seed_many``:
sealed by the fields' own code, COPY on PostgreSQL, audited per batch), for one seed agency with the
DOSIS component. Each batch of citizens is one transaction: an interrupted run leaves whole batches.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.services import agency_onboard
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.citizens.services import citizens_create_many
from burgerprofiel.cli.progress import Progress
from burgerprofiel.cli.seeding import People, dossiers_for
from burgerprofiel.dossiers.services import dosis_source_register, dossiers_seed_many

SEED_KBO = "0850000013"  # a well-formed KBO number (check digits valid) for the made-up seed agency
SEED_AGENCY_NAME = "Testagentschap (seed)"
SEED_SOURCE = "https://seed.burgerprofiel.example/dosis"


class Command(BaseCommand):
    help = "Vul de databank met realistische testburgers en -dossiers (nooit in productie)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--citizens", type=int, required=True, help="aantal burgers")
        parser.add_argument("--dossiers-per-citizen", type=int, default=10, help="dossiers per burger")
        parser.add_argument("--batch", type=int, default=1000, help="burgers per transactie")
        parser.add_argument("--random-seed", type=int, default=2026, help="zelfde getal, zelfde mensen")
        parser.add_argument("--no-progress", action="store_true", help="geen voortgangsbalk op stderr")

    def handle(
        self,
        *args: Any,
        citizens: int,
        dossiers_per_citizen: int,
        batch: int,
        random_seed: int,
        no_progress: bool,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError("Testgegevens horen niet in productie.")
        if citizens < 0 or dossiers_per_citizen < 0 or batch < 1:
            raise CommandError("--citizens en --dossiers-per-citizen zijn 0 of meer, --batch minstens 1.")
        actor = cli_actor("seed")
        agency = self._seed_agency(actor)
        source = dosis_source_register(agency=agency, uri=SEED_SOURCE, actor=actor)
        rng = random.Random(random_seed)  # noqa: S311 - made-up test data, reproducible on purpose; no secret
        people = People(rng)
        # a run's own prefix: a second run adds dossiers beside the first one's
        run = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        numbers = (f"SEED-{run}-{n:09d}" for n in itertools.count(1))
        progress = Progress(citizens, label="burgers") if not no_progress else None
        done = rows = dossiers = 0
        started = time.perf_counter()
        while done < citizens:
            persons = [next(people) for _ in range(min(batch, citizens - done))]
            with transaction.atomic():
                known = citizens_create_many(insz_values=[p.insz for p in persons])
                indexes = [insz_index(p.insz) for p in persons]
                made = []
                for i, person in enumerate(persons):
                    # one in eight shares their dossiers with the person before (a household)
                    owners = [indexes[i], indexes[i - 1]] if i and i % 8 == 0 else [indexes[i]]
                    made += dossiers_for(person, count=dossiers_per_citizen, owners=owners, numbers=numbers, rng=rng)
                rows += dossiers_seed_many(agency=agency, source=source, dossiers=made, actor=actor)
            rows += 2 * len(persons)  # a citizen and their data key (a few may have existed: counted alike)
            dossiers += len(made)
            done += len(persons)
            if progress:
                progress.update(done, rows=rows)
            del known
        seconds = progress.close() if progress else time.perf_counter() - started
        self.stdout.write(
            json.dumps(
                {
                    "agency_id": agency.pk,
                    "citizens": done,
                    "dossiers": dossiers,
                    "rows": rows,
                    "seconds": round(seconds, 2),
                    "rows_per_second": round(rows / seconds) if seconds else None,
                }
            )
        )

    def _seed_agency(self, actor: Any) -> Agency:
        agency = Agency.objects.filter(kbo=SEED_KBO).first()
        if agency is not None:
            return agency
        return agency_onboard(
            name=SEED_AGENCY_NAME,
            kbo=SEED_KBO,
            components=["dosis", "notificaties"],
            dpo_name="Functionaris voor gegevensbescherming",
            dpo_email="dpo@seed.burgerprofiel.example",
            street="Markt 1",
            postcode="9000",
            municipality="Gent",
            legal_basis="Testgegevens: geen verwerking van echte personen",
            actor=actor,
        ).agency
