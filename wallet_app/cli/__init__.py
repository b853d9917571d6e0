"""The `custos` command line: the same services as the window, for scripting and for the tests.

One module per command group (`demo`, `devnet`, `vaults`, `network`, `holdings`, `history`, `keys`, `tokens`,
`feeds`, `policy`, `audit`, `safe`, `statement`, `profile`), each with `register(commands)` that builds its parser
and handlers that check their arguments, call one service and print; `common` holds what they share (services from
the arguments, secret files, text or JSON output, exit codes), `tx_options` the options of one Safe transaction, and
`program` the global options and `main`. A new command group follows the same pattern and is listed in
`program.COMMAND_GROUPS`.
"""

from wallet_app.cli.program import build_parser, main

__all__ = ["build_parser", "main"]
