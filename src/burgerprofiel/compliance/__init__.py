"""The processor's duties as working software (charter 2-14, GDPR art. 28; issue 13).

Each duty is a nested Django app under this package (``burgerprofiel.compliance.<app>``, with a short
``AppConfig.label``): ``notices`` (every notice the processor sends an agency: recorded, published as
a ``verwerker.*`` event and mailed to the agency's authorised contacts and DPO), ``breaches``
(charter 8, GDPR 33) and the others of issue 13. The package sits above the capabilities and below
the surfaces (the layers in pyproject.toml): a capability never imports it, so a hook from a
capability into compliance is a signal or a surface that calls both.
"""
