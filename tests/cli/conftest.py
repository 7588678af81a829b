"""The mail commands' tests share the mail tests' SMTP server (aiosmtpd on 127.0.0.1) and their
dispatched copy of the example round."""

from smtpserver import _dispatched_output, dispatched, server, start_server  # noqa: F401
