from django.apps import AppConfig


class InstructionsConfig(AppConfig):
    name = "burgerprofiel.compliance.instructions"
    label = "instructions"
    verbose_name = "Instructies, opschortingen en wettelijke verstrekkingen"

    def ready(self) -> None:
        # lazy: app loading
        from burgerprofiel.agencies.signals import order_state_changed
        from burgerprofiel.compliance.holdings import declare_not_agency_data
        from burgerprofiel.compliance.instructions.services import order_state_notify

        order_state_changed.connect(order_state_notify, dispatch_uid="instructions.order_state_notify")
        declare_not_agency_data(
            "instructions.Instruction",
            "the agency's documented instructions to the processor (GDPR 28(3)(a)): the processor's proof of "
            "what it was told, kept as accountability; sealed with the agency's key",
        )
        declare_not_agency_data(
            "instructions.LegalDisclosure",
            "processing or disclosure the law imposed on the processor and its notice (charter 3.1, 10): the "
            "processor's accountability record; sealed with the agency's key",
        )
