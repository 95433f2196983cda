"""The DOSIS v2 upload and its results, in DOSIS's own PascalCase wire names.

The field names are the wire names on purpose: they are what the DOSIS documentation and every
existing connector call them, so a payload reads the same here as in a log or a support ticket.
Classes are named apart from their fields (``DossierStatus`` for the field ``Status``, ``Beheerder`` for
``DossierBeheerder``) because a pydantic field may not share its name with its type.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RAADPLEGER = "Raadpleger"


class Fase(StrEnum):
    """The phases of a dossier (``Status.VlaamsFase``)."""

    SAMENSTELLING = "Samenstelling"
    BEHANDELING = "Behandeling"
    BESLISSING = "Beslissing"
    BEROEP = "Beroep"
    UITVOERING = "Uitvoering"
    AFGEROND = "Afgerond"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DossierIdentificatie(_Wire):
    """Which dossier: the agency's DOSIS source (``Bron``, registered on the platform) and its number."""

    Bron: str = Field(min_length=1, max_length=500)
    DossierNummer: str = Field(min_length=1, max_length=200)


class DossierActie(_Wire):
    ActieNodig: bool = False
    Actie: str | None = Field(default=None, max_length=4000)


class DossierStatus(_Wire):
    VlaamsCode: str = Field(min_length=1, max_length=200)
    VlaamsFase: Fase
    Detail1: str | None = Field(default=None, max_length=4000)
    Actie: DossierActie | None = None


class Product(_Wire):
    """An IPDC product (``Id``)."""

    Id: str = Field(min_length=1, max_length=100)


class BeheerderAdres(_Wire):
    Straat: str | None = None
    Nummer: str | None = None
    Postcode: str | None = None
    Gemeente: str | None = None


class Beheerder(_Wire):
    """The dossier manager and how to reach them."""

    Naam: str | None = None
    Dienst: str | None = None
    Telefoon: str | None = None
    Email: str | None = None
    Website: str | None = None
    Adres: BeheerderAdres | None = None


class Toegangsrecht(_Wire):
    Code: str = Field(min_length=1, max_length=50)


class Agent(_Wire):
    """Who the dossier is about: an INSZ (11 digits) or a KBO number (10 digits), with access rights."""

    Identificatie: str = Field(min_length=1, max_length=40)
    Toegangsrechten: list[Toegangsrecht] = Field(default_factory=list)

    @classmethod
    def raadpleger(cls, identificatie: str) -> Agent:
        """An agent who may consult the dossier (the right every dossier needs at least once)."""
        return cls(Identificatie=identificatie, Toegangsrechten=[Toegangsrecht(Code=RAADPLEGER)])


class DossierUpload(_Wire):
    """One DOSIS v2 upload: the state of a dossier at ``WijzigingsDatum``.

    A ``WijzigingsDatum`` without an offset is read by the platform as Belgian time.
    """

    Identificatie: DossierIdentificatie
    UploadId: str | None = Field(default=None, min_length=1, max_length=100)
    Naam: str = Field(min_length=1, max_length=500)
    WijzigingsDatum: dt.datetime
    Status: DossierStatus
    Doorverwijzing: str | None = None
    TypeDossierCode: str | None = None
    Producten: list[Product] = Field(default_factory=list)
    DossierBeheerder: Beheerder | None = None
    Agenten: list[Agent] = Field(min_length=1)

    def wire(self) -> dict[str, Any]:
        """The JSON object as sent (absent optional fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


# --- answers ------------------------------------------------------------------------------------


class UploadAccepted(_Wire):
    """``{"Status": "OK", "UploadId": ...}``: accepted for asynchronous processing (not yet filed)."""

    Status: str
    UploadId: str


class FoutOmschrijving(_Wire):
    Omschrijving: str


class UploadResult(_Wire):
    """The processing result of one upload. ``Succes`` is None while it waits in the queue."""

    Identificatie: DossierIdentificatie
    UploadId: str
    TijdstipVerwerking: dt.datetime | None = None
    Succes: bool | None = None
    Fout: str | None = None
    Fouten: list[FoutOmschrijving] = Field(default_factory=list)
    VerwerktVoorOpvraging: bool = False

    @property
    def pending(self) -> bool:
        return self.Succes is None


class BulkLine(_Wire):
    """The answer to one line of a bulk upload; ``Lijn`` counts from 1 over the whole upload."""

    Lijn: int
    Status: str
    UploadId: str | None = None
    code: str | None = None
    message: str | None = None
    description: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.Status == "OK"


class BulkAnswer(_Wire):
    """The platform's answer to one bulk request (``Status`` OK, GEDEELTELIJK or FOUT)."""

    Status: str
    Aanvaard: int
    Geweigerd: int
    Resultaten: list[BulkLine] = Field(default_factory=list)


class BulkResult(BaseModel):
    """What a bulk upload achieved, over every request it took (``requests``)."""

    accepted: int = 0
    refused: int = 0
    lines: list[BulkLine] = Field(default_factory=list)
    requests: int = 0

    @property
    def upload_ids(self) -> list[str]:
        return [line.UploadId for line in self.lines if line.ok and line.UploadId]

    @property
    def failures(self) -> list[BulkLine]:
        return [line for line in self.lines if not line.ok]
