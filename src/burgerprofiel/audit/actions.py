"""Every act the audit trail records, with the words a person reads for it.

Design note (DESIGN rule 2; charter 5, 8, 9): the stored value (``"dossier.upload_accepted"``) is
what the leaf hash commits to, so a member's value never changes once events carry it; rename the
member or its labels freely, never its value. The labels are what "Wie bekeek mijn gegevens" and
the back-office show instead of the code: Dutch first, English for the portal's English version.
They live here rather than in a gettext catalogue so that adding an action is one line in one file
(``audit/tests/test_actions.py`` refuses a member without both labels).

To add an action: one line ``NAME = "app.verb", "Nederlands label", "English label"``, in the
group of its app. ``audit_record(action=...)`` takes only members (mypy), so a new code cannot be
written anywhere else.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import get_language


class AuditAction(StrEnum):
    label_nl: str
    label_en: str

    def __new__(cls, value: str, label_nl: str = "", label_en: str = "") -> AuditAction:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_nl = label_nl
        member.label_en = label_en
        return member

    @property
    def label(self) -> str:
        """The label in the active language (English only when the citizen chose English)."""
        return self.label_en if (get_language() or "").startswith("en") else self.label_nl

    @classmethod
    def label_for(cls, value: str) -> str:
        """The label of a stored action; a code no longer (or not yet) in this list shows as itself."""
        try:
            return cls(value).label
        except ValueError:
            return value

    # -- the order check and the agency's own records (agencies) -------------------------------
    ORDER_CHECK_REFUSED = (
        "order_check.refused",
        "Geweigerd door de verwerkingsopdracht",
        "Refused by the processing order",
    )
    PROCESSING_ORDER_VERSION_CREATED = (
        "processing_order.version_created",
        "Nieuwe versie van de verwerkingsopdracht",
        "New version of the processing order",
    )
    API_CLIENT_CREATED = "api_client.created", "API-client aangemaakt", "API client created"
    API_CLIENT_SECRET_ROTATED = (
        "api_client.secret_rotated",
        "Geheim van de API-client vernieuwd",
        "API client secret rotated",
    )
    AGENCY_ONBOARDED = "agency.onboarded", "Instantie aangesloten", "Agency onboarded"
    AGENCY_ME_READ = "agency.me_read", "Gegevens van de instantie opgevraagd", "Agency details read"
    CONTACT_PERSON_ADDED = "contact_person.added", "Contactpersoon toegevoegd", "Contact person added"
    CONTACT_PERSON_LISTED = "contact_person.listed", "Contactpersonen opgevraagd", "Contact persons listed"

    # -- agency authentication (oauth, api) ----------------------------------------------------
    OAUTH_AUTHENTICATION_FAILED = (
        "oauth.authentication_failed",
        "Aanmelding van een API-client mislukt",
        "API client authentication failed",
    )
    OAUTH_SCOPE_REFUSED = "oauth.scope_refused", "Gevraagde toegang geweigerd", "Requested scope refused"
    OAUTH_TOKEN_ISSUED = "oauth.token_issued", "Toegangstoken uitgereikt", "Access token issued"
    API_SCOPE_REFUSED = (
        "api.scope_refused",
        "Geweigerd: het toegangstoken geldt niet voor deze component",
        "Refused: the access token does not cover this component",
    )
    API_AUTHENTICATION_FAILED = (
        "api.authentication_failed",
        "Toegangstoken geweigerd door de API",
        "Access token refused by the API",
    )
    API_IDEMPOTENT_REPLAY = (
        "api.idempotent_replay",
        "Herhaald verzoek beantwoord met het eerdere antwoord",
        "Repeated request answered with the earlier response",
    )

    # -- DOSIS (dossiers) ----------------------------------------------------------------------
    DOSIS_SOURCE_REGISTERED = "dosis_source.registered", "DOSIS-bron geregistreerd", "DOSIS source registered"
    DOSIS_SOURCE_LISTED = "dosis_source.listed", "DOSIS-bronnen opgevraagd", "DOSIS sources listed"
    DOSSIER_UPLOAD_ACCEPTED = "dossier.upload_accepted", "Dossier ontvangen", "Dossier upload received"
    DOSSIER_UPLOAD_PROCESSED = "dossier.upload_processed", "Dossier bijgewerkt", "Dossier upload processed"
    DOSSIER_UPLOAD_FAILED = "dossier.upload_failed", "Dossier niet verwerkt", "Dossier upload failed"
    DOSSIER_RESULTS_READ = (
        "dossier.results_read",
        "Verwerkingsresultaten van dossiers opgevraagd",
        "Dossier processing results read",
    )
    DOSSIER_LIST_VIEWED = "dossier.list_viewed", "Uw dossiers bekeken", "Your dossiers viewed"
    DOSSIER_VIEWED = "dossier.viewed", "Dossier bekeken", "Dossier viewed"
    DOSSIER_DELETED = "dossier.deleted", "Dossier verwijderd door de instantie", "Dossier deleted by the agency"
    DOSSIERS_SEEDED = (
        "dossier.seeded",
        "Testdossiers aangemaakt (niet in productie)",
        "Test dossiers seeded (never in production)",
    )
    DOSSIER_PURGED = (
        "dossier.purged",
        "Dossier gewist na de bewaartermijn",
        "Dossier erased after its retention period",
    )

    # -- meldingen (notifications) -------------------------------------------------------------
    NOTIFICATION_CREATED = "notification.created", "Melding ontvangen", "Notification received"
    NOTIFICATION_BULK_CREATED = "notification.bulk_created", "Meldingen ontvangen", "Notifications received in bulk"
    NOTIFICATION_STATUS_READ = (
        "notification.status_read",
        "Status van een melding opgevraagd",
        "Notification status read",
    )
    NOTIFICATION_RECEIPTS_LISTED = (
        "notification.receipts_listed",
        "Ontvangstbewijzen van meldingen opgevraagd",
        "Notification receipts listed",
    )
    NOTIFICATION_LIST_VIEWED = (
        "notification.list_viewed",
        "Lijst met meldingen bekeken",
        "List of notifications viewed",
    )
    NOTIFICATION_VIEWED = "notification.viewed", "Meldingen bekeken", "Notifications viewed"
    NOTIFICATION_MARKED_READ = "notification.marked_read", "Melding als gelezen gemarkeerd", "Notification marked read"
    NOTIFICATION_CONTENT_PURGED = (
        "notification.content_purged",
        "Inhoud van een melding gewist na de bewaartermijn",
        "Notification content erased after its retention period",
    )

    # -- contact preferences (preferences) -----------------------------------------------------
    PREFERENCES_VIEWED = "preferences.viewed", "Contactvoorkeuren bekeken", "Contact preferences viewed"
    PREFERENCES_READ_BY_AGENCY = (
        "preferences.read_by_agency",
        "Contactvoorkeuren opgevraagd door de instantie",
        "Contact preferences read by the agency",
    )
    PREFERENCES_EMAIL_VERIFICATION_STARTED = (
        "preferences.email_verification_started",
        "Bevestigingsmail verstuurd",
        "Confirmation e-mail sent",
    )
    PREFERENCES_EMAIL_VERIFIED = "preferences.email_verified", "E-mailadres bevestigd", "E-mail address confirmed"
    PREFERENCES_MOBILE_VERIFICATION_STARTED = (
        "preferences.mobile_verification_started",
        "Bevestigingscode per sms verstuurd",
        "Confirmation code sent by text message",
    )
    PREFERENCES_MOBILE_VERIFIED = "preferences.mobile_verified", "Gsm-nummer bevestigd", "Mobile number confirmed"
    PREFERENCES_EMAIL_REMOVED = "preferences.email_removed", "E-mailadres verwijderd", "E-mail address removed"
    PREFERENCES_SMS_REMOVED = "preferences.sms_removed", "Gsm-nummer verwijderd", "Mobile number removed"
    PREFERENCES_IBAN_SET = "preferences.iban_set", "Rekeningnummer ingesteld", "Bank account number set"
    PREFERENCES_IBAN_REMOVED = "preferences.iban_removed", "Rekeningnummer verwijderd", "Bank account number removed"
    PREFERENCES_CONSENT_GRANTED = "preferences.consent_granted", "Toestemming gegeven", "Consent given"
    PREFERENCES_CONSENT_WITHDRAWN = "preferences.consent_withdrawn", "Toestemming ingetrokken", "Consent withdrawn"
    PREFERENCES_IBAN_CONSENT_GRANTED = (
        "preferences.iban_consent_granted",
        "Toestemming gegeven voor het rekeningnummer",
        "Consent given for the bank account number",
    )
    PREFERENCES_IBAN_CONSENT_WITHDRAWN = (
        "preferences.iban_consent_withdrawn",
        "Toestemming ingetrokken voor het rekeningnummer",
        "Consent withdrawn for the bank account number",
    )

    # -- "Uw gegevens" and certificates (personal_data, documents) ---------------------------
    PULL_SOURCE_ADDED = "pull_source.added", "Gegevensbron toegevoegd", "Data source added"
    PERSONAL_DATA_PULLED = (
        "personal_data.pulled",
        "Uw gegevens opgevraagd bij de bron",
        "Your data requested from the source",
    )
    PERSONAL_DATA_VIEWED_AGAIN = (
        "personal_data.viewed_again",
        "Uw gegevens opnieuw bekeken (kort bewaard antwoord)",
        "Your data viewed again (briefly kept answer)",
    )
    PULL_INCIDENT = (
        "pull.incident",
        "Antwoord over een andere persoon geweigerd",
        "Answer about another person refused",
    )
    DOCUMENTS_LISTED = "documents.listed", "Lijst van attesten opgevraagd", "List of certificates requested"
    DOCUMENTS_DOWNLOADED = "documents.downloaded", "Attest gedownload", "Certificate downloaded"

    # -- webhooks ------------------------------------------------------------------------------
    WEBHOOK_ENDPOINT_REGISTERED = "webhook_endpoint.registered", "Webhook geregistreerd", "Webhook registered"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted", "Webhook verwijderd", "Webhook deleted"
    WEBHOOK_ENDPOINT_SECRET_ROTATED = (
        "webhook_endpoint.secret_rotated",
        "Geheim van de webhook vernieuwd",
        "Webhook secret rotated",
    )
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled", "Webhook uitgeschakeld", "Webhook disabled"
    WEBHOOK_DELIVERY_DEAD_LETTERED = (
        "webhook_delivery.dead_lettered",
        "Webhookbericht opgegeven na herhaalde mislukking",
        "Webhook delivery given up after repeated failure",
    )
    WEBHOOK_DELIVERY_REPLAYED = (
        "webhook_delivery.replayed",
        "Webhookbericht opnieuw verstuurd",
        "Webhook delivery replayed",
    )
    WEBHOOK_EVENTS_READ = "webhook_events.read", "Webhookgebeurtenissen opgevraagd", "Webhook events read"

    # -- payments ------------------------------------------------------------------------------
    PAYMENT_CREATED = "payment.created", "Betaalverzoek ontvangen", "Payment request received"
    PAYMENT_STATUS_CHANGED = "payment.status_changed", "Status van een betaling gewijzigd", "Payment status changed"
    PAYMENT_REFUND_CREATED = "payment.refund_created", "Terugbetaling aangevraagd", "Refund requested"
    PAYMENT_REFUND_STATUS_CHANGED = (
        "payment.refund_status_changed",
        "Status van een terugbetaling gewijzigd",
        "Refund status changed",
    )
    PAYMENT_LISTED = "payment.listed", "Betalingen opgevraagd", "Payments listed"
    PAYMENT_READ = "payment.read", "Betaling opgevraagd", "Payment read"
    PAYMENT_VIEWED = "payment.viewed", "Betaling bekeken", "Payment viewed"
    PAYMENT_RECEIPT_DOWNLOADED = (
        "payment.receipt_downloaded",
        "Betalingsbewijs gedownload",
        "Payment receipt downloaded",
    )
    PAYMENT_PURGED = (
        "payment.purged",
        "Betaling gewist na de bewaartermijn",
        "Payment erased after its retention period",
    )
    PAYMENT_RECONCILIATION_EXPORTED = (
        "payment.reconciliation_exported",
        "Afstemming van betalingen gedownload",
        "Payment reconciliation downloaded",
    )

    # -- fout melden (corrections) -------------------------------------------------------------
    ERROR_REPORT_SUBMITTED = "error_report.submitted", "Fout gemeld", "Error reported"
    ERROR_REPORT_LISTED = "error_report.listed", "Foutmeldingen opgevraagd", "Error reports listed"
    ERROR_REPORT_VIEWED = "error_report.viewed", "Foutmelding bekeken", "Error report viewed"
    ERROR_REPORT_ATTACHMENT_DOWNLOADED = (
        "error_report.attachment_downloaded",
        "Bijlage van een foutmelding gedownload",
        "Error report attachment downloaded",
    )
    ERROR_REPORT_STATUS_CHANGED = (
        "error_report.status_changed",
        "Status van een foutmelding gewijzigd",
        "Error report status changed",
    )
    ERROR_REPORT_MESSAGE_WRITTEN = (
        "error_report.message_written",
        "Bericht bij een foutmelding geschreven",
        "Message on an error report written",
    )
    ERROR_REPORT_PURGED = (
        "error_report.purged",
        "Foutmeldingen gewist na de bewaartermijn",
        "Error reports erased after their retention period",
    )

    # -- aanvragen (service_requests) ----------------------------------------------------------
    REQUESTABLE_SERVICE_PUBLISHED = (
        "requestable_service.published",
        "Aan te vragen dienst gepubliceerd",
        "Requestable service published",
    )
    REQUESTABLE_SERVICE_WITHDRAWN = (
        "requestable_service.withdrawn",
        "Aan te vragen dienst ingetrokken",
        "Requestable service withdrawn",
    )
    SERVICE_REQUEST_SUBMITTED = "service_request.submitted", "Aanvraag ingediend", "Request submitted"
    SERVICE_REQUEST_LISTED = "service_request.listed", "Aanvragen opgevraagd", "Requests listed"
    SERVICE_REQUEST_VIEWED = "service_request.viewed", "Aanvraag bekeken", "Request viewed"
    SERVICE_REQUEST_RECEIPT_DOWNLOADED = (
        "service_request.receipt_downloaded",
        "Ontvangstbewijs van een aanvraag gedownload",
        "Request receipt downloaded",
    )
    SERVICE_REQUEST_DOSSIER_LINKED = (
        "service_request.dossier_linked",
        "Dossiernummer bij een aanvraag gegeven",
        "Case number given for a request",
    )
    SERVICE_REQUEST_PURGED = (
        "service_request.purged",
        "Aanvragen gewist na de bewaartermijn",
        "Requests erased after their retention period",
    )

    # -- the processor's notices and breaches (compliance.notices, compliance.breaches) -------------
    AGENCY_NOTICE_SENT = "agency_notice.sent", "Kennisgeving aan de instantie verstuurd", "Notice sent to the agency"
    AGENCY_NOTICES_READ = "agency_notice.listed", "Kennisgevingen opgevraagd", "Notices listed"
    AGENCY_NOTICE_ACKNOWLEDGED = (
        "agency_notice.acknowledged",
        "Ontvangst van een kennisgeving bevestigd",
        "Receipt of a notice acknowledged",
    )
    AGENCY_NOTICE_MAIL_FAILED = (
        "agency_notice.mail_failed",
        "E-mail van een kennisgeving niet afgeleverd",
        "Notice e-mail not delivered",
    )
    BREACH_REGISTERED = "breach.registered", "Inbreuk geregistreerd", "Breach registered"
    BREACH_DRAFT_OPENED = (
        "breach.draft_opened",
        "Ontwerp van een inbreuk geopend door een detector",
        "Draft breach opened by a detector",
    )
    BREACH_CHANGED = "breach.changed", "Inbreuk gewijzigd", "Breach changed"
    BREACH_AFFECTED_COMPUTED = (
        "breach.affected_computed",
        "Getroffen instanties en betrokkenen berekend",
        "Affected agencies and data subjects computed",
    )
    BREACH_NOTIFIED = "breach.notified", "Inbreuk gemeld aan een instantie", "Breach notified to an agency"
    BREACH_UPDATE_NOTIFIED = (
        "breach.update_notified",
        "Aanvulling op een inbreuk gemeld aan een instantie",
        "Breach update notified to an agency",
    )
    BREACH_CLOSED = "breach.closed", "Inbreuk afgesloten", "Breach closed"
    BREACH_DEADLINE_WARNING = (
        "breach.deadline_warning",
        "Termijn voor de melding van een inbreuk (bijna) verstreken",
        "Breach notice deadline near or passed",
    )
    AGENCY_NOTICE_PDF_READ = (
        "agency_notice.pdf_read",
        "Kennisgeving als PDF opgevraagd",
        "Notice read as PDF",
    )
    INSTRUCTION_REGISTERED = "instruction.registered", "Instructie geregistreerd", "Instruction registered"
    INSTRUCTION_REFUSED = (
        "instruction.refused",
        "Instructie geweigerd: geen gemachtigde contactpersoon",
        "Instruction refused: not an authorised contact",
    )
    INSTRUCTION_FLAGGED_UNLAWFUL = (
        "instruction.flagged_unlawful",
        "Instructie gemeld als in strijd met de wet",
        "Instruction flagged as contrary to law",
    )
    INSTRUCTIONS_READ = "instruction.listed", "Instructies opgevraagd", "Instructions listed"
    ORDER_STATE_NOTIFIED = (
        "processing_order.state_notified",
        "Opschorting of beëindiging gemeld aan de instantie",
        "Suspension or termination notified to the agency",
    )
    LEGAL_DISCLOSURE_REGISTERED = (
        "legal_disclosure.registered",
        "Wettelijk verplichte verstrekking geregistreerd",
        "Disclosure required by law registered",
    )
    LEGAL_DISCLOSURE_NOTIFIED = (
        "legal_disclosure.notified",
        "Wettelijk verplichte verstrekking gemeld aan de instantie",
        "Disclosure required by law notified to the agency",
    )
    LEGAL_DISCLOSURE_BAN_LIFTED = (
        "legal_disclosure.ban_lifted",
        "Verbod op melding van een verstrekking opgeheven",
        "Ban on notifying a disclosure lifted",
    )

    # -- keys (crypto) -------------------------------------------------------------------------
    CRYPTO_DATA_KEY_DESTROYED = (
        "crypto.data_key.destroy",
        "Gegevenssleutel vernietigd (gegevens onleesbaar gemaakt)",
        "Data key destroyed (data made unreadable)",
    )
    CRYPTO_SIGNING_KEY_CREATED = "crypto.signing_key.created", "Ondertekeningssleutel aangemaakt", "Signing key created"
    CRYPTO_SIGNING_KEY_RETIRED = (
        "crypto.signing_key.retired",
        "Ondertekeningssleutel buiten gebruik gesteld",
        "Signing key retired",
    )

    # -- the end of an order (compliance.offboarding, charter 12) ------------------------------
    OFFBOARDING_STARTED = (
        "offboarding.started",
        "Einde opdracht: terugbezorgen of verwijderen gestart",
        "End of order: return or deletion started",
    )
    OFFBOARDING_PURGE_BATCH = (
        "offboarding.purge_batch",
        "Einde opdracht: gegevens van de instantie gewist (reeks)",
        "End of order: agency data erased (batch)",
    )
    OFFBOARDING_BUNDLE_BUILT = (
        "offboarding.bundle_built",
        "Einde opdracht: ondertekende teruggavebundel gemaakt",
        "End of order: signed return bundle built",
    )
    OFFBOARDING_BUNDLE_DOWNLOADED = (
        "offboarding.bundle_downloaded",
        "Einde opdracht: teruggavebundel afgehaald en gewist",
        "End of order: return bundle downloaded and deleted",
    )
    OFFBOARDING_BUNDLE_REFUSED = (
        "offboarding.bundle_refused",
        "Einde opdracht: teruggavebundel geweigerd (al afgehaald)",
        "End of order: return bundle refused (already downloaded)",
    )
    OFFBOARDING_CERTIFICATE_ISSUED = (
        "offboarding.certificate_issued",
        "Einde opdracht: ondertekend verwijderingsattest uitgereikt",
        "End of order: signed deletion certificate issued",
    )
    OFFBOARDING_CERTIFICATE_MAILED = (
        "offboarding.certificate_mailed",
        "Einde opdracht: verwijderingsattest gemaild naar de contactpersonen en DPO",
        "End of order: deletion certificate mailed to the contact persons and DPO",
    )
    LEGAL_HOLD_PLACED = (
        "offboarding.legal_hold_placed",
        "Juridische bewaarplicht op een record gelegd",
        "Legal hold placed on a record",
    )
    LEGAL_HOLD_RELEASED = (
        "offboarding.legal_hold_released",
        "Juridische bewaarplicht beëindigd",
        "Legal hold ended",
    )

    # -- data-subject rights through the controller (compliance.subject_rights, charter 7) -----
    SUBJECT_EXPORTED = (
        "subject.exported",
        "Inzage/overdraagbaarheid: gegevens van een burger uitgevoerd voor de instantie",
        "Access/portability: a citizen's data exported for the agency",
    )
    SUBJECT_RESTRICTED = (
        "subject.restricted",
        "Beperking van de verwerking voor een burger ingesteld",
        "Restriction of processing set for a citizen",
    )
    SUBJECT_RESTRICTION_LIFTED = (
        "subject.restriction_lifted",
        "Beperking van de verwerking voor een burger opgeheven",
        "Restriction of processing lifted for a citizen",
    )
    SUBJECT_RESTRICTION_REFUSED = (
        "subject.restriction_refused",
        "Verwerking geweigerd: beperkt voor deze burger",
        "Processing refused: restricted for this citizen",
    )
    SUBJECT_ERASED = (
        "subject.erased",
        "Wissing: gegevens van een burger bij de instantie gewist",
        "Erasure: a citizen's data at the agency erased",
    )

    # -- the audit trail's witnesses (audit.witness) ---------------------------------------------
    AUDIT_WITNESS_RECORDED = (
        "audit.witness_recorded",
        "Ondertekende boomkop gemeld door een instantie (getuige)",
        "Signed tree head reported by an agency (witness)",
    )
    AUDIT_VERIFIED = (
        "audit.verified",
        "Auditlog gecontroleerd (audit verify)",
        "Audit log verified (audit verify)",
    )
    AUDIT_WITNESS_MISMATCH = (
        "audit.witness_mismatch",
        "Gemelde boomkop verschilt van het auditlog",
        "Reported tree head differs from the audit log",
    )

    # -- sub-processors and transfers outside the EEA (compliance.subprocessors) ---------------
    SUBPROCESSOR_CHANGE_PLANNED = (
        "subprocessor.change_planned",
        "Wijziging van onderverwerkers gepland",
        "Sub-processor change planned",
    )
    SUBPROCESSOR_CHANGE_WITHDRAWN = (
        "subprocessor.change_withdrawn",
        "Wijziging van onderverwerkers ingetrokken",
        "Sub-processor change withdrawn",
    )
    SUBPROCESSOR_CHANGE_APPLIED = (
        "subprocessor.change_applied",
        "Wijziging van onderverwerkers in werking getreden",
        "Sub-processor change took effect",
    )
    SUBPROCESSOR_OBJECTION_FILED = (
        "subprocessor.objection_filed",
        "Bezwaar tegen onderverwerker aangetekend",
        "Objection to a sub-processor filed",
    )
    SUBPROCESSOR_OBJECTION_RESOLVED = (
        "subprocessor.objection_resolved",
        "Bezwaar tegen onderverwerker beslist",
        "Objection to a sub-processor resolved",
    )
    SUBPROCESSOR_ENDPOINTS_CHANGED = (
        "subprocessor.endpoints_changed",
        "Eindpunten van onderverwerker gewijzigd",
        "Sub-processor endpoints changed",
    )
    TRANSFER_ALLOWED = (
        "transfer.allowed",
        "Doorgifte buiten de EER toegelaten door de opdracht",
        "Transfer outside the EEA allowed by the order",
    )
    TRANSFER_REVOKED = (
        "transfer.revoked",
        "Toelating tot doorgifte buiten de EER ingetrokken",
        "Permission to transfer outside the EEA revoked",
    )
    TRANSFER_REFUSED = (
        "transfer.refused",
        "Doorgifte buiten de EER geweigerd",
        "Transfer outside the EEA refused",
    )
    # -- retention of everything (compliance.retention) ---------------------------
    RETENTION_PURGED = (
        "retention.purged",
        "Gegevens verwijderd na de bewaartermijn",
        "Data removed after the retention period",
    )

    # -- the charter, compliance reports and data-subject requests (compliance) ------------------
    CHARTER_VERSION_PUBLISHED = (
        "charter.version_published",
        "Versie van het verwerkingscharter gepubliceerd",
        "Processing charter version published",
    )
    CHARTER_TERMINATION_FILED = (
        "charter.termination_filed",
        "Beëindiging na charterwijziging ingediend",
        "Termination after a charter amendment filed",
    )
    CHARTER_TERMINATION_EXECUTED = (
        "charter.termination_executed",
        "Beëindiging na charterwijziging uitgevoerd",
        "Termination after a charter amendment carried out",
    )
    COMPLIANCE_REPORT_MADE = (
        "compliance.report_made",
        "Nalevingsrapport opgemaakt",
        "Compliance report produced",
    )
    COMPLIANCE_RECORDS_MADE = (
        "compliance.records_made",
        "Register van verwerkingsactiviteiten opgemaakt",
        "Records of processing produced",
    )
    COMPLIANCE_MEASURES_MADE = (
        "compliance.measures_made",
        "Overzicht van technische en organisatorische maatregelen opgemaakt",
        "Technical and organisational measures produced",
    )
    COMPLIANCE_OBLIGATIONS_REPORT_SENT = (
        "compliance.obligations_report_sent",
        "Rapport over de naleving van de verplichtingen verstuurd",
        "Report on the platform's obligations sent",
    )
    INDEPENDENT_AUDIT_RECORDED = (
        "compliance.independent_audit_recorded",
        "Onafhankelijke audit geregistreerd",
        "Independent audit recorded",
    )
    CONFIDENTIALITY_STATEMENT_PUBLISHED = (
        "compliance.confidentiality_published",
        "Vertrouwelijkheidsverklaring gepubliceerd",
        "Confidentiality statement published",
    )
    CONFIDENTIALITY_STATEMENT_ACCEPTED = (
        "compliance.confidentiality_accepted",
        "Vertrouwelijkheidsverklaring aanvaard",
        "Confidentiality statement accepted",
    )
    CONFIDENTIALITY_STATEMENT_REQUIRED = (
        "compliance.confidentiality_required",
        "Toegang geweigerd: vertrouwelijkheidsverklaring niet aanvaard",
        "Access refused: confidentiality statement not accepted",
    )
    SUBJECT_REQUEST_FILED = (
        "subject_request.filed",
        "Verzoek als betrokkene ingediend en doorgestuurd",
        "Data-subject request filed and forwarded",
    )
    SUBJECT_REQUEST_READ = (
        "subject_request.read",
        "Verzoeken als betrokkene bekeken",
        "Data-subject requests viewed",
    )
    SUBJECT_REQUEST_ANSWERED = (
        "subject_request.answered",
        "Verzoek als betrokkene beantwoord door de instantie",
        "Data-subject request answered by the agency",
    )
    SUBJECT_REQUEST_REMINDED = (
        "subject_request.reminded",
        "Herinnering over een verzoek als betrokkene verstuurd",
        "Reminder about a data-subject request sent",
    )
    CITIZEN_EXPORT_DOWNLOADED = (
        "citizen.export_downloaded",
        "Uitvoer van al uw gegevens gedownload",
        "Export of all your data downloaded",
    )

    # -- the citizen's portal ------------------------------------------------------------------
    PORTAL_LOGIN = "portal.login", "Aanmelding", "Login"

    # -- the back-office: staff and their sessions ---------------------------------------------
    BACKOFFICE_LOGIN = "backoffice.login", "Aanmelding in de back-office", "Back-office login"
    BACKOFFICE_SESSION_EXPIRED = (
        "backoffice.session_expired",
        "Back-officesessie verlopen",
        "Back-office session expired",
    )
    BACKOFFICE_LOGIN_LOCKED = "backoffice.login_locked", "Back-officeaanmelding vergrendeld", "Back-office login locked"
    BACKOFFICE_LOGIN_LOCK_LIFTED = (
        "backoffice.login_lock_lifted",
        "Vergrendeling van de back-officeaanmelding opgeheven",
        "Back-office login lock lifted",
    )
    BACKOFFICE_STAFF_CREATED = "backoffice.staff.created", "Medewerker aangemaakt", "Staff member created"
    BACKOFFICE_STAFF_DEACTIVATED = (
        "backoffice.staff.deactivated",
        "Medewerker gedeactiveerd",
        "Staff member deactivated",
    )
    BACKOFFICE_STAFF_ROLE_CHANGED = (
        "backoffice.staff.role_changed",
        "Rol van een medewerker gewijzigd",
        "Staff member's role changed",
    )
    BACKOFFICE_STAFF_OTP_RESET = (
        "backoffice.staff.otp_reset",
        "Tweestapsverificatie van een medewerker opnieuw in te stellen",
        "Staff member's two-factor device reset",
    )
    BACKOFFICE_STAFF_OTP_ENROLLED = (
        "backoffice.staff.otp_enrolled",
        "Tweestapsverificatie ingesteld door de medewerker",
        "Staff member set up two-factor authentication",
    )
    BACKOFFICE_STAFF_LISTED = "backoffice.staff.listed", "Medewerkers opgevraagd", "Staff members listed"
    # Opening a back-office list or page that shows personal data (``AuditReadsMixin``); the event's
    # object type says which records, the detail only how many.
    BACKOFFICE_LISTED = "backoffice.listed", "Lijst bekeken (back-office)", "List viewed (back-office)"
    BACKOFFICE_VIEWED = "backoffice.viewed", "Gegevens bekeken (back-office)", "Record viewed (back-office)"
    # The same reads of a record that belongs to one citizen (``AuditReadsMixin.audit_citizen_ids``): the
    # event names the citizen as its object, so it shows in their "Wie bekeek mijn gegevens" under these
    # words (the "Wie" column says "Medewerker van het platform", never the person).
    BACKOFFICE_CONSENTEVENT_VIEWED = (
        "backoffice.consentevent.viewed",
        "Een medewerker van het platform bekeek een toestemming die u gaf of introk (back-office)",
        "A platform staff member viewed a consent you gave or withdrew (back-office)",
    )
    BACKOFFICE_CONSENTEVENT_LISTED = (
        "backoffice.consentevent.listed",
        "Een medewerker van het platform zag een toestemming van u in een lijst (back-office)",
        "A platform staff member saw a consent of yours in a list (back-office)",
    )
    BACKOFFICE_DELIVERY_VIEWED = (
        "backoffice.delivery.viewed",
        "Een medewerker van het platform bekeek de verzending van een melding aan u (back-office)",
        "A platform staff member viewed the delivery of a notification to you (back-office)",
    )
    BACKOFFICE_DELIVERY_LISTED = (
        "backoffice.delivery.listed",
        "Een medewerker van het platform zag de verzending van een melding aan u in een lijst (back-office)",
        "A platform staff member saw the delivery of a notification to you in a list (back-office)",
    )
    BACKOFFICE_DELIVERYRECEIPT_VIEWED = (
        "backoffice.deliveryreceipt.viewed",
        "Een medewerker van het platform bekeek het ontvangstbewijs van een melding aan u (back-office)",
        "A platform staff member viewed the receipt of a notification to you (back-office)",
    )
    BACKOFFICE_DELIVERYRECEIPT_LISTED = (
        "backoffice.deliveryreceipt.listed",
        "Een medewerker van het platform zag het ontvangstbewijs van een melding aan u in een lijst (back-office)",
        "A platform staff member saw the receipt of a notification to you in a list (back-office)",
    )
    BACKOFFICE_SUBJECTREQUEST_VIEWED = (
        "backoffice.subjectrequest.viewed",
        "Een medewerker van het platform bekeek uw verzoek als betrokkene (termijn en stand, back-office)",
        "A platform staff member viewed your data-subject request (deadline and state, back-office)",
    )
    BACKOFFICE_SUBJECTREQUEST_LISTED = (
        "backoffice.subjectrequest.listed",
        "Een medewerker van het platform zag uw verzoek als betrokkene in een lijst (termijn en stand, back-office)",
        "A platform staff member saw your data-subject request in a list (deadline and state, back-office)",
    )
    BACKOFFICE_REFUSED = (
        "backoffice.refused",
        "Handeling van een medewerker geweigerd",
        "Staff member's action refused",
    )

    # -- the back-office: changes through its forms (``backoffice.<model>.<verb>``) -----------
    BACKOFFICE_AGENCY_ADDED = (
        "backoffice.agency.added",
        "Instantie toegevoegd (back-office)",
        "Agency added (back-office)",
    )
    BACKOFFICE_AGENCY_CHANGED = (
        "backoffice.agency.changed",
        "Instantie gewijzigd (back-office)",
        "Agency changed (back-office)",
    )
    BACKOFFICE_AGENCY_DELETED = (
        "backoffice.agency.deleted",
        "Instantie verwijderd (back-office)",
        "Agency deleted (back-office)",
    )
    BACKOFFICE_AGENCY_VIEWED = (
        "backoffice.agency.viewed",
        "Gegevens van de instantie bekeken (back-office)",
        "Agency details viewed (back-office)",
    )
    BACKOFFICE_CONTACTPERSON_ADDED = (
        "backoffice.contactperson.added",
        "Contactpersoon toegevoegd (back-office)",
        "Contact person added (back-office)",
    )
    BACKOFFICE_CONTACTPERSON_CHANGED = (
        "backoffice.contactperson.changed",
        "Contactpersoon gewijzigd (back-office)",
        "Contact person changed (back-office)",
    )
    BACKOFFICE_CONTACTPERSON_DELETED = (
        "backoffice.contactperson.deleted",
        "Contactpersoon verwijderd (back-office)",
        "Contact person deleted (back-office)",
    )
    BACKOFFICE_APICLIENT_ADDED = (
        "backoffice.apiclient.added",
        "API-client toegevoegd (back-office)",
        "API client added (back-office)",
    )
    BACKOFFICE_APICLIENT_CHANGED = (
        "backoffice.apiclient.changed",
        "API-client gewijzigd (back-office)",
        "API client changed (back-office)",
    )
    BACKOFFICE_APICLIENT_DELETED = (
        "backoffice.apiclient.deleted",
        "API-client verwijderd (back-office)",
        "API client deleted (back-office)",
    )
    BACKOFFICE_APICLIENT_SECRET_ROTATED = (
        "backoffice.apiclient.secret_rotated",
        "Geheim van de API-client vernieuwd (back-office)",
        "API client secret rotated (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_ADDED = (
        "backoffice.processingorder.added",
        "Verwerkingsopdracht toegevoegd (back-office)",
        "Processing order added (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_CHANGED = (
        "backoffice.processingorder.changed",
        "Verwerkingsopdracht gewijzigd (back-office)",
        "Processing order changed (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_DELETED = (
        "backoffice.processingorder.deleted",
        "Verwerkingsopdracht verwijderd (back-office)",
        "Processing order deleted (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_SUSPENDED = (
        "backoffice.processingorder.suspended",
        "Verwerkingsopdracht opgeschort (back-office)",
        "Processing order suspended (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_ACTIVATED = (
        "backoffice.processingorder.activated",
        "Verwerkingsopdracht geactiveerd (back-office)",
        "Processing order activated (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_RESUMED = (
        "backoffice.processingorder.resumed",
        "Verwerkingsopdracht hervat (back-office)",
        "Processing order resumed (back-office)",
    )
    BACKOFFICE_PROCESSINGORDER_TERMINATED = (
        "backoffice.processingorder.terminated",
        "Verwerkingsopdracht beëindigd (back-office)",
        "Processing order terminated (back-office)",
    )
    BACKOFFICE_DOSISSOURCE_ADDED = (
        "backoffice.dosissource.added",
        "DOSIS-bron toegevoegd (back-office)",
        "DOSIS source added (back-office)",
    )
    BACKOFFICE_DOSISSOURCE_CHANGED = (
        "backoffice.dosissource.changed",
        "DOSIS-bron gewijzigd (back-office)",
        "DOSIS source changed (back-office)",
    )
    BACKOFFICE_DOSISSOURCE_DELETED = (
        "backoffice.dosissource.deleted",
        "DOSIS-bron verwijderd (back-office)",
        "DOSIS source deleted (back-office)",
    )
    BACKOFFICE_PULLSOURCE_ADDED = (
        "backoffice.pullsource.added",
        "Gegevensbron toegevoegd (back-office)",
        "Data source added (back-office)",
    )
    BACKOFFICE_PULLSOURCE_CHANGED = (
        "backoffice.pullsource.changed",
        "Gegevensbron gewijzigd (back-office)",
        "Data source changed (back-office)",
    )
    BACKOFFICE_PULLSOURCE_DELETED = (
        "backoffice.pullsource.deleted",
        "Gegevensbron verwijderd (back-office)",
        "Data source deleted (back-office)",
    )

    BACKOFFICE_SUBPROCESSOR_ADDED = (
        "backoffice.subprocessor.added",
        "Onderverwerker toegevoegd (back-office)",
        "Sub-processor added (back-office)",
    )
    BACKOFFICE_SUBPROCESSOR_CHANGED = (
        "backoffice.subprocessor.changed",
        "Onderverwerker gewijzigd (back-office)",
        "Sub-processor changed (back-office)",
    )
    BACKOFFICE_SUBPROCESSOR_DELETED = (
        "backoffice.subprocessor.deleted",
        "Onderverwerker verwijderd (back-office)",
        "Sub-processor deleted (back-office)",
    )
    BACKOFFICE_SUBPROCESSORCHANGE_ADDED = (
        "backoffice.subprocessorchange.added",
        "Wijziging van onderverwerkers toegevoegd (back-office)",
        "Sub-processor change added (back-office)",
    )
    BACKOFFICE_SUBPROCESSORCHANGE_CHANGED = (
        "backoffice.subprocessorchange.changed",
        "Wijziging van onderverwerkers gewijzigd (back-office)",
        "Sub-processor change changed (back-office)",
    )
    BACKOFFICE_SUBPROCESSORCHANGE_DELETED = (
        "backoffice.subprocessorchange.deleted",
        "Wijziging van onderverwerkers verwijderd (back-office)",
        "Sub-processor change deleted (back-office)",
    )
    BACKOFFICE_OBJECTION_ADDED = (
        "backoffice.objection.added",
        "Bezwaar tegen onderverwerker toegevoegd (back-office)",
        "Objection to a sub-processor added (back-office)",
    )
    BACKOFFICE_OBJECTION_CHANGED = (
        "backoffice.objection.changed",
        "Bezwaar tegen onderverwerker gewijzigd (back-office)",
        "Objection to a sub-processor changed (back-office)",
    )
    BACKOFFICE_OBJECTION_DELETED = (
        "backoffice.objection.deleted",
        "Bezwaar tegen onderverwerker verwijderd (back-office)",
        "Objection to a sub-processor deleted (back-office)",
    )
    BACKOFFICE_TRANSFERPERMISSION_ADDED = (
        "backoffice.transferpermission.added",
        "Toelating tot doorgifte buiten de EER toegevoegd (back-office)",
        "Permission to transfer outside the EEA added (back-office)",
    )
    BACKOFFICE_TRANSFERPERMISSION_CHANGED = (
        "backoffice.transferpermission.changed",
        "Toelating tot doorgifte buiten de EER gewijzigd (back-office)",
        "Permission to transfer outside the EEA changed (back-office)",
    )
    BACKOFFICE_TRANSFERPERMISSION_DELETED = (
        "backoffice.transferpermission.deleted",
        "Toelating tot doorgifte buiten de EER verwijderd (back-office)",
        "Permission to transfer outside the EEA deleted (back-office)",
    )

    BACKOFFICE_CHARTERVERSION_ADDED = (
        "backoffice.charterversion.added",
        "Versie van het verwerkingscharter gepubliceerd (back-office)",
        "Charter version published (back-office)",
    )
    # Published versions are never changed nor deleted (the admin refuses both); listed because every
    # audited admin has its three actions.
    BACKOFFICE_CHARTERVERSION_CHANGED = (
        "backoffice.charterversion.changed",
        "Versie van het verwerkingscharter gewijzigd (back-office)",
        "Charter version changed (back-office)",
    )
    BACKOFFICE_CHARTERVERSION_DELETED = (
        "backoffice.charterversion.deleted",
        "Versie van het verwerkingscharter verwijderd (back-office)",
        "Charter version deleted (back-office)",
    )

    BACKOFFICE_CONFIDENTIALITYSTATEMENT_ADDED = (
        "backoffice.confidentialitystatement.added",
        "Vertrouwelijkheidsverklaring toegevoegd (back-office)",
        "Confidentiality statement added (back-office)",
    )
    BACKOFFICE_CONFIDENTIALITYSTATEMENT_CHANGED = (
        "backoffice.confidentialitystatement.changed",
        "Vertrouwelijkheidsverklaring gewijzigd (back-office)",
        "Confidentiality statement changed (back-office)",
    )
    BACKOFFICE_CONFIDENTIALITYSTATEMENT_DELETED = (
        "backoffice.confidentialitystatement.deleted",
        "Vertrouwelijkheidsverklaring verwijderd (back-office)",
        "Confidentiality statement deleted (back-office)",
    )
    BACKOFFICE_INDEPENDENTAUDIT_ADDED = (
        "backoffice.independentaudit.added",
        "Onafhankelijke audit toegevoegd (back-office)",
        "Independent audit added (back-office)",
    )
    BACKOFFICE_INDEPENDENTAUDIT_CHANGED = (
        "backoffice.independentaudit.changed",
        "Onafhankelijke audit gewijzigd (back-office)",
        "Independent audit changed (back-office)",
    )
    BACKOFFICE_INDEPENDENTAUDIT_DELETED = (
        "backoffice.independentaudit.deleted",
        "Onafhankelijke audit verwijderd (back-office)",
        "Independent audit deleted (back-office)",
    )

    @classmethod
    def backoffice(cls, model_name: str, verb: str) -> AuditAction:
        """The member for a back-office change ``backoffice.<model>.<verb>`` (a ModelAdmin's form).

        Raises ``ValueError`` for a model or verb not listed above: add its line first.
        """
        return cls(f"backoffice.{model_name}.{verb}")
