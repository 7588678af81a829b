"""duban (督办): the supervision office's reporting cycle, from task table to year-end summary."""

__version__ = "0.1.0"
