"""How every workbook duban writes looks and prints: options, print layout, status colours."""

from __future__ import annotations

from collections.abc import Mapping

from toolkit.model import DONE, LAGGING, NOT_REPORTED, NOT_STARTED, ON_TRACK

# Options every workbook duban writes is opened with: text stays text.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
PROTECT_OPTIONS = {
    "select_locked_cells": True,
    "select_unlocked_cells": True,
    "format_rows": True,
    "format_columns": True,
}


# Light fills for status cells (the printed table stays readable in black and white) and the
# stronger colours of the chart's bars, by the status's role (config.toml's [[statuses]] role):
# an office's own names get the colours of their roles.
STATUS_FILLS = {
    DONE: "#C6EFCE",
    ON_TRACK: "#DDEBF7",
    LAGGING: "#FFC7CE",
    NOT_STARTED: "#D9D9D9",
    NOT_REPORTED: "#FFEB9C",
}
STATUS_BARS = {
    DONE: "#70AD47",
    ON_TRACK: "#5B9BD5",
    LAGGING: "#E0474C",
    NOT_STARTED: "#A5A5A5",
    NOT_REPORTED: "#FFC000",
}
NO_BAR = "#7F7F7F"  # a status without a role (only ever an unvalidated one)


def status_fill(status: str, roles: Mapping[str, str]) -> str | None:
    """Return the fill of a status cell by the status's role (``roles``: name → role)."""
    return STATUS_FILLS.get(roles.get(status, NOT_REPORTED if status == NOT_REPORTED else ""))


def status_bar(status: str, roles: Mapping[str, str]) -> str:
    """Return the colour of a status's bar in a chart, by its role."""
    role = roles.get(status, NOT_REPORTED if status == NOT_REPORTED else "")
    return STATUS_BARS.get(role, NO_BAR)


def print_setup(ws, footer_left: str = "") -> None:
    """Set the house print layout: A4 landscape, one page wide, page numbers in the footer."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    # "&" starts a header/footer code; footer text may come from the config, so double it.
    left = f"&L{footer_left.replace('&', '&&')}" if footer_left else ""
    ws.set_footer(f"{left}&C第 &P 页，共 &N 页")
