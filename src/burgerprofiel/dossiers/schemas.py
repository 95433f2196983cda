"""The DOSIS v2 upload as existing agency connectors send it (PascalCase, DESIGN "Wire contracts").

Field names are the wire names on purpose. Unknown extra fields are ignored, as the DOSIS service
does. The input models are plain pydantic models (not ninja ``Schema``s, whose ORM-attribute
resolution costs a third of the parsing time of a bulk upload). Every validator raises with a Dutch
message and never echoes the value (it may be an INSZ).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import AfterValidator, BaseModel, Field, field_validator
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.citizens.insz import insz_normalise
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.dossiers.models import Phase

BRUSSELS = ZoneInfo("Europe/Brussels")
RAADPLEGER = "Raadpleger"
# An http(s) address, or nothing (declared in the documents, enforced by pydantic as the pattern).
URL_PATTERN = r"^([Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*)?$"
_URL = re.compile(URL_PATTERN)


def _url(value: str | None) -> str | None:
    if value and not _URL.match(value):
        raise ValueError("Geen geldige http(s)-URL.")
    return value


Url = Annotated[str, Field(max_length=2000, pattern=URL_PATTERN), AfterValidator(_url)]


class IdentificatieIn(BaseModel):
    Bron: str = Field(min_length=1, max_length=500)
    DossierNummer: str = Field(min_length=1, max_length=200)


class ActieIn(BaseModel):
    ActieNodig: bool = False
    Actie: str | None = Field(default=None, max_length=4000)


class StatusIn(BaseModel):
    VlaamsCode: str = Field(min_length=1, max_length=200)
    VlaamsFase: Phase
    Detail1: str | None = Field(default=None, max_length=4000)
    Actie: ActieIn | None = None


class ProductIn(BaseModel):
    Id: str = Field(min_length=1, max_length=100)


class AdresIn(BaseModel):
    Straat: str | None = Field(default=None, max_length=200)
    Nummer: str | None = Field(default=None, max_length=20)
    Postcode: str | None = Field(default=None, max_length=10)
    Gemeente: str | None = Field(default=None, max_length=100)


class DossierBeheerderIn(BaseModel):
    Naam: str | None = Field(default=None, max_length=200)
    Dienst: str | None = Field(default=None, max_length=200)
    Telefoon: str | None = Field(default=None, max_length=50)
    Email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    Website: Url | None = None
    Adres: AdresIn | None = None


class ToegangsrechtIn(BaseModel):
    Code: str = Field(min_length=1, max_length=50)


# An agent is a person (INSZ, 11 digits) or an enterprise (KBO, 10 digits, or 9 as before 2003, with or
# without "BE"), written with or without separators (space . - /), as DOSIS connectors send them. The
# check digits are the format "insz-of-kbo": a JSON Schema cannot compute mod 97.
AGENT_ID_PATTERN = r"^[\s./-]*([Bb][Ee])?[\s./-]*([0-9][\s./-]*){9,11}$"


class AgentIn(BaseModel):
    Identificatie: str = Field(
        min_length=1,
        max_length=40,
        pattern=AGENT_ID_PATTERN,
        json_schema_extra={
            "format": "insz-of-kbo",
            "description": "INSZ (11 cijfers) of KBO-nummer (10 cijfers), met of zonder scheidingstekens; "
            "met een geldig controlegetal (97 - ... mod 97).",
        },
    )
    Toegangsrechten: list[ToegangsrechtIn] = Field(default_factory=list, max_length=20)

    @field_validator("Identificatie")
    @classmethod
    def _insz_or_kbo(cls, value: str) -> str:
        digits = re.sub(r"[\s.\-/]", "", value)
        if digits.upper().startswith("BE"):
            digits = digits[2:]
        if len(digits) == 11 and digits.isdigit():
            try:
                return insz_normalise(digits)
            except ValidationError:
                raise ValueError("Geen geldig INSZ-nummer (rijksregister- of BIS-nummer).") from None
        if len(digits) in (9, 10) and digits.isdigit():
            try:
                return str(be_vat.validate(digits))
            except StdnumError:
                raise ValueError("Geen geldig KBO-nummer.") from None
        raise ValueError("Geen INSZ-nummer (11 cijfers) of KBO-nummer (10 cijfers).")

    @property
    def is_kbo(self) -> bool:
        return len(self.Identificatie) == 10

    @property
    def may_consult(self) -> bool:
        return any(right.Code == RAADPLEGER for right in self.Toegangsrechten)


class DossierUploadIn(BaseModel):
    Identificatie: IdentificatieIn
    UploadId: str | None = Field(default=None, min_length=1, max_length=100)
    Naam: str = Field(min_length=1, max_length=500)
    WijzigingsDatum: dt.datetime
    Status: StatusIn
    Doorverwijzing: Url | None = None
    TypeDossierCode: str | None = Field(default=None, max_length=100)
    Producten: list[ProductIn] = Field(default_factory=list, max_length=20)
    DossierBeheerder: DossierBeheerderIn | None = None
    Agenten: list[AgentIn] = Field(
        min_length=1,
        max_length=50,
        # The relation between the agents, stated in the schema: at least one may consult the dossier.
        json_schema_extra={
            "contains": {
                "type": "object",
                "required": ["Toegangsrechten"],
                "properties": {
                    "Toegangsrechten": {
                        "type": "array",
                        "contains": {
                            "type": "object",
                            "required": ["Code"],
                            "properties": {"Code": {"const": RAADPLEGER}},
                        },
                    }
                },
            }
        },
    )

    @field_validator("WijzigingsDatum")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        # Connectors often send local time without an offset: that is Belgian time.
        return value if value.tzinfo else value.replace(tzinfo=BRUSSELS)

    @field_validator("Agenten")
    @classmethod
    def _someone_may_consult(cls, agents: list[AgentIn]) -> list[AgentIn]:
        if not any(agent.may_consult for agent in agents):
            raise ValueError(f"Minstens één agent heeft het toegangsrecht '{RAADPLEGER}' nodig.")
        return agents


# Every field maps to a Bijlage 1 DOSIS data category (the order check refuses the others).
FIELD_CATEGORIES: dict[str, str] = {
    "Identificatie": "dossier_id",
    "UploadId": "dossier_id",
    "TypeDossierCode": "dossier_id",
    "Naam": "vrije_tekst",
    "WijzigingsDatum": "wijzigingsdatum",
    "Status.VlaamsFase": "fasen_statussen",
    "Status.VlaamsCode": "fasen_statussen",
    "Status.Detail1": "vrije_tekst",
    "Status.Actie": "vereiste_acties",
    "Doorverwijzing": "doorverwijzing",
    "Producten": "ipdc_product",
    "DossierBeheerder.Naam": "dossierbeheerder",
    "DossierBeheerder.Dienst": "dossierbeheerder",
    "DossierBeheerder.Telefoon": "contact_dossierbeheerder",
    "DossierBeheerder.Email": "contact_dossierbeheerder",
    "DossierBeheerder.Website": "contact_dossierbeheerder",
    "DossierBeheerder.Adres": "contact_dossierbeheerder",
    "Agenten": "sleutel",
}
# Every upload files a status into the dossier's history, shown under the agency's name.
ALWAYS = ("historiek", "verantwoordelijke_organisatie")


_FIELD_PATHS = [(tuple(path.split(".")), category) for path, category in FIELD_CATEGORIES.items()]


def payload_categories(upload: DossierUploadIn) -> list[str]:
    """The data categories this upload carries: those of its fields that have a value."""
    present: set[str] = set(ALWAYS)
    for path, category in _FIELD_PATHS:
        if category in present:
            continue
        value: Any = upload
        for part in path:
            value = getattr(value, part, None)
            if value is None:
                break
        if value is not None and (bool(value) if isinstance(value, str | list | dict) else True):
            present.add(category)
    return sorted(present)


# --- answers -------------------------------------------------------------------------------------


class UploadAcceptedOut(Schema):
    Status: str = "OK"
    UploadId: str


class IdentificatieOut(Schema):
    Bron: str
    DossierNummer: str


class FoutOut(Schema):
    Omschrijving: str


class UploadResultOut(Schema):
    Identificatie: IdentificatieOut
    UploadId: str
    TijdstipVerwerking: dt.datetime | None
    Succes: bool | None
    Fout: str | None
    Fouten: list[FoutOut]
    VerwerktVoorOpvraging: bool


# The bulk answers are plain pydantic models: a ninja Schema resolves ORM attributes for each of up
# to 10,000 result lines, which costs as much as checking the line did.
class BulkLineOut(BaseModel):
    Lijn: int
    Status: str
    UploadId: str | None = None
    code: str | None = None
    message: str | None = None
    description: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class BulkAcceptedOut(BaseModel):
    Status: str
    Aanvaard: int
    Geweigerd: int
    Resultaten: list[BulkLineOut]
