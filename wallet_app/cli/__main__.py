"""`python -m wallet_app.cli`: the command line without the desktop's PDF writer."""

from wallet_app.cli.program import main

raise SystemExit(main())
