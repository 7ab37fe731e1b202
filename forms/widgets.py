"""GOV.UK widgets that remember what they rendered, for pages that draw the same long controls every time.

The case list draws five filter selects and the bulk-assign select on every view, each through GOV.UK
Frontend's Jinja macros (a few milliseconds apiece with 30 officers to choose from). What a select renders
depends only on its parameters (label, choices, the one selected, errors, attributes), so the same
parameters give the same HTML; :class:`MemoGovSelect` keeps the last few hundred per process. Only for
selects whose choices and values are vocabulary and staff names: never for answers a citizen typed.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from markupsafe import Markup

MEMO_SIZE = 256


class MemoGovSelect(GovSelect):
    """``GovSelect`` whose rendered HTML is reused for identical parameters (a bounded, per-process memo)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: OrderedDict[str, Markup] = OrderedDict()
        self._lock = threading.Lock()  # the development server and the demo serve from threads

    def render(self, params: dict[str, Any]) -> Markup:
        key = json.dumps(params, sort_keys=True, default=str)
        with self._lock:
            html = self._memo.get(key)
            if html is not None:
                self._memo.move_to_end(key)
                return html
        html = super().render(params)
        with self._lock:
            self._memo[key] = html
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return html
