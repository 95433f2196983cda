"""Writes on DOSIS dossiers, one module per concern.

Design note. An upload's life crosses four concerns that change for different reasons and run
in different processes: ``accept`` (what the agency waits for: parse, validate, the order's
categories, queue), ``queue`` (how the queue's rows are written, per SQL dialect), ``filing``
(the worker's batches: the order re-checked, uploads filed into dossiers, fast and careful
paths) and ``retention`` (deletion by the agency and the retention purge). ``caller`` and
``sources`` hold what they share; ``outbox`` publishes the status changes to the apps above;
``reads`` reads and records, in one call, what a citizen or an agency saw. Every rule they keep
has one home outside them: encryption in ``crypto.fields`` (``EncryptedTextField.stored``),
audit events in ``audit.services`` (``audit_event_build``), the order check in ``agencies``.

The names below are this package's interface; import them from here.
"""

from burgerprofiel.dossiers.services.accept import (
    NDJSON_CHUNK_BYTES,
    BulkResult,
    BulkTooLarge,
    DosisValidationError,
    dosis_errors,
    dosis_processing_kick,
    dosis_upload_parse,
    dosis_upload_storable,
    dossier_upload_accept,
    dossier_uploads_accept_bulk,
    ndjson_lines,
)
from burgerprofiel.dossiers.services.caller import COMPONENT, Caller
from burgerprofiel.dossiers.services.filing import (
    DosisProcessingError,
    dosis_after_filing,
    dosis_queue_drain,
    dossier_uploads_process,
    dossier_uploads_process_all,
)
from burgerprofiel.dossiers.services.outbox import (
    PendingChange,
    status_changes_claim,
    status_changes_processed,
    status_changes_read,
)
from burgerprofiel.dossiers.services.reads import (
    DossierOverview,
    dosis_sources_read,
    dossier_list_read,
    dossier_overview_read,
    dossier_read,
    upload_results_read,
)
from burgerprofiel.dossiers.services.retention import (
    dosis_retention_days,
    dossier_delete,
    dossiers_purge_batch,
    dossiers_purge_expired,
)
from burgerprofiel.dossiers.services.seed import SeedDossier, SeedRefused, SeedStatus, dossiers_seed_many
from burgerprofiel.dossiers.services.sources import UnknownSource, dosis_source_register

__all__ = [
    "COMPONENT",
    "NDJSON_CHUNK_BYTES",
    "BulkResult",
    "BulkTooLarge",
    "Caller",
    "DosisProcessingError",
    "DosisValidationError",
    "DossierOverview",
    "PendingChange",
    "SeedDossier",
    "SeedRefused",
    "SeedStatus",
    "UnknownSource",
    "dosis_after_filing",
    "dosis_errors",
    "dosis_processing_kick",
    "dosis_queue_drain",
    "dosis_retention_days",
    "dosis_source_register",
    "dosis_sources_read",
    "dosis_upload_parse",
    "dosis_upload_storable",
    "dossier_delete",
    "dossier_list_read",
    "dossier_overview_read",
    "dossier_read",
    "dossier_upload_accept",
    "dossier_uploads_accept_bulk",
    "dossier_uploads_process",
    "dossier_uploads_process_all",
    "dossiers_purge_batch",
    "dossiers_purge_expired",
    "dossiers_seed_many",
    "ndjson_lines",
    "status_changes_claim",
    "status_changes_processed",
    "status_changes_read",
    "upload_results_read",
]
