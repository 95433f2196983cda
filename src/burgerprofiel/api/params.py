"""Parameter types shared by the API's routers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator


def _iso_date_only(value: Any) -> Any:
    # The document says format: date (YYYY-MM-DD); pydantic alone would also take "0" (a Unix timestamp).
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("Een datum als JJJJ-MM-DD.")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
