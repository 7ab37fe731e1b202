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
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

MEMO_SIZE = 256


def _holds_markup(value: Any) -> bool:
    """Whether ``value`` (a macro's parameters) holds Markup anywhere: JSON writes it as a plain string.

    A walk with a list rather than recursion and generators: it runs for every remembered macro and blank
    field drawn, and plain strings, numbers and dicts are most of what it meets.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str or kind is bool or kind is int or item is None:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif isinstance(item, Markup):
            return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def _markup_tagged(value: Any) -> Any:
    """``value`` with each Markup string written as ``{"markup": text}``, so that a key tells it from text."""
    if isinstance(value, Markup):
        return {"markup": str(value)}
    if isinstance(value, dict):
        return {k: _markup_tagged(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_markup_tagged(v) for v in value]
    return value


class HtmlMemo:
    """A bounded, per-process memo of HTML by key: the most recently used ``size`` entries are kept.

    The one memo of drawn HTML: the selects below, and the web layer's remembered furniture and blank fields
    (``rights.web.templating``), which imports it from here because forms must not import the web layer.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._memo: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()  # the development server and the demo serve from threads

    def get_or_make(self, key: Hashable, make: Callable[[], Markup]) -> Markup:
        with self._lock:
            html = self._memo.get(key)
            if html is not None:
                self._memo.move_to_end(key)
                return html
        html = make()
        with self._lock:
            self._memo[key] = html
            if len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return html

    def of_params(self, name: str, params: dict[str, Any], draw: Callable[[], Markup], *,
                  markup_keyed: bool = False) -> Markup:
        """What ``draw()`` gives for a macro's ``params``, remembered under ``name`` and the parameters.

        JSON writes "&amp;" as Markup and as text alike, and the two draw differently: parameters holding
        Markup are drawn each time, unless ``markup_keyed`` (for HTML our own templates pass), which keys each
        Markup string apart from text. Anything JSON cannot write as it is is drawn each time too (no key
        stands for it).
        """
        if markup_keyed:
            keyed: Any = _markup_tagged(params)
        elif _holds_markup(params):
            return draw()
        else:
            keyed = params
        try:
            key = f"{name}:{json.dumps(keyed, sort_keys=True)}"
        except (TypeError, ValueError):
            return draw()
        return self.get_or_make(key, draw)

    def clear(self) -> None:
        with self._lock:
            self._memo.clear()

    def __len__(self) -> int:
        return len(self._memo)

    def __iter__(self) -> Iterator[Hashable]:
        """The keys, most recently used last (a copy: safe while other threads draw)."""
        with self._lock:
            return iter(list(self._memo))


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
        self._memo = HtmlMemo(MEMO_SIZE)
        self._by_field = HtmlMemo(MEMO_SIZE)

    def clear(self) -> None:
        self._memo.clear()
        self._by_field.clear()

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        fkey = self._field_key(field, kwargs)
        if fkey is None:
            return super().__call__(field, **kwargs)  # type: ignore[no-any-return]
        return self._by_field.get_or_make(fkey, lambda: super(MemoGovSelect, self).__call__(field, **kwargs))

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
        return self._memo.of_params("select", params, lambda: super(MemoGovSelect, self).render(params))
