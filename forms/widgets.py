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
from wtforms.fields.choices import SelectChoice

MEMO_SIZE = 256


def _choices_key(choices: Any) -> tuple[tuple[Any, ...], ...] | None:
    """The values and labels (and their types) of plain choices, or None when a choice carries attributes or a group."""
    if not isinstance(choices, list):
        return None
    pairs = []
    for choice in choices:
        if not isinstance(choice, SelectChoice) or choice.render_kw or choice.optgroup is not None:
            return None
        pairs.append((choice.value, type(choice.value), choice.label, type(choice.label)))
    return tuple(pairs)


class MemoGovSelect(GovSelect):
    """``GovSelect`` whose rendered HTML is reused for identical parameters (a bounded, per-process memo).

    Two memos: by the field's own state (its id, name, label, hint, choices, value, errors and the template's
    arguments: everything the parameters are made from), which skips building the parameters (an item per
    choice: 100 officers are 100 items) and serialising them; then, for anything else, by the parameters.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: OrderedDict[str, Markup] = OrderedDict()
        self._by_field: OrderedDict[Any, Markup] = OrderedDict()
        self._lock = threading.Lock()  # the development server and the demo serve from threads

    def clear(self) -> None:
        with self._lock:
            self._memo.clear()
            self._by_field.clear()

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        fkey = self._field_key(field, kwargs)
        if fkey is None:
            return super().__call__(field, **kwargs)  # type: ignore[no-any-return]
        with self._lock:
            html = self._by_field.get(fkey)
            if html is not None:
                self._by_field.move_to_end(fkey)
                return html
        html = super().__call__(field, **kwargs)
        with self._lock:
            self._by_field[fkey] = html
            if len(self._by_field) > MEMO_SIZE:
                self._by_field.popitem(last=False)
        return html

    @staticmethod
    def _field_key(field: Any, kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
        choices = _choices_key(field.choices)
        if choices is None:
            return None
        key = (field.id, field.name, str(field.label.text), field.description, "required" in field.flags, choices,
               type(field.data), field.data, tuple(field.errors), json.dumps(kwargs, sort_keys=True, default=str))
        try:
            hash(key)
        except TypeError:  # a value that cannot be a key (a list): build the parameters instead
            return None
        return key

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
