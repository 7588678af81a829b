"""How every workbook duban writes looks and prints: options, print layout, status colours."""

from __future__ import annotations

from toolkit.model import NOT_REPORTED

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
# stronger colours of the chart's bars. A status the office added itself gets no colour.
STATUS_FILLS = {
    "已完成": "#C6EFCE",
    "序时推进": "#DDEBF7",
    "滞后": "#FFC7CE",
    "未启动": "#D9D9D9",
    NOT_REPORTED: "#FFEB9C",
}
STATUS_BARS = {
    "已完成": "#70AD47",
    "序时推进": "#5B9BD5",
    "滞后": "#E0474C",
    "未启动": "#A5A5A5",
    NOT_REPORTED: "#FFC000",
}


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
