"""How the apps above add to the pages and answers of the apps below, without being imported.

The layers (docs/architecture.md) let an app import only the apps below it. A person's page lives
in ``people`` but shows incidents (``incidents``, above) and sanctions proposals (``sanctions``,
above); an election's page lives in ``incidents`` but links to the claim tester (``forensics``).
The page's app names an extension point; the app above registers what it adds, in its
``AppConfig.ready()``. The lower app only ever sees what was registered.

- **Sections**: ``add_section(page, context=..., template=...)``; the page's view calls
  :func:`extend_page`, which merges each section's context into the page's and lists the section
  templates, in order, for the page template to include (``{% for t in sections %}``).
- **Hooks**: ``provide(hook, function)``; the lower app calls :func:`ask` and combines what the
  providers answer (none registered: no answers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    page: str
    context: Callable  # (request, obj, page_context) -> dict, or None to show nothing
    template: str | None  # None: the section only adds context (e.g. links on existing rows)
    order: int


_sections: dict[str, list[Section]] = defaultdict(list)
_hooks: dict[str, list[Callable]] = defaultdict(list)


def add_section(page: str, *, context: Callable, template: str | None = None, order: int = 50) -> None:
    if any(s.page == page and s.template == template and s.context == context for s in _sections[page]):
        return  # ready() may run twice (tests); registering is idempotent
    _sections[page].append(Section(page=page, context=context, template=template, order=order))
    _sections[page].sort(key=lambda s: s.order)


def extend_page(page: str, request, obj, context: dict) -> dict:
    """``context`` with every registered section's context merged in, and ``sections``: the
    templates to include, in order."""
    templates = []
    for section in _sections.get(page, ()):
        added = section.context(request, obj, context)
        if added is None:
            continue
        context.update(added)
        if section.template:
            templates.append(section.template)
    context["sections"] = templates
    return context


def provide(hook: str, function: Callable) -> None:
    if function not in _hooks[hook]:
        _hooks[hook].append(function)


def ask(hook: str, *args, **kwargs) -> list:
    """Every provider's answer, in registration order."""
    return [function(*args, **kwargs) for function in _hooks.get(hook, ())]
