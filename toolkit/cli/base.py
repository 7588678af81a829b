"""What every command shares: turning library errors into one sentence, the config, --today."""

from __future__ import annotations

import sqlite3

import click

from toolkit.errors import ToolkitError, from_system


class _Group(click.Group):
    """Turn library errors into clean messages, once, at the edge."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToolkitError as e:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            raise click.ClickException(str(e)) from None
        except (OSError, sqlite3.Error) as e:
            from toolkit.ledger import ledger_path, ledger_problem

            config = (ctx.obj or {}).get("config")
            folder = config.output_dir if config is not None else None
            known = from_system(e, folder)
            if known is None and isinstance(e, sqlite3.Error) and folder is not None:
                known = ledger_problem(e, ledger_path(folder), known_only=True)
            if known is None or (ctx.obj and ctx.obj.get("verbose")):
                raise
            raise click.ClickException(str(known)) from None


# --today: a day as the calendar sees it (catch-up and testing); the default is today.
_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: object):
    """Return the date of a ``--today`` value, or None."""
    import datetime as dt

    return value.date() if isinstance(value, dt.datetime) else None


def _config(ctx: click.Context):
    from toolkit.config import load_config

    obj = ctx.obj
    if "config" not in obj:
        obj["config"] = load_config(obj["config_path"], obj["output"])
    return obj["config"]
